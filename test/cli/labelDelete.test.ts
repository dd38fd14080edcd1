import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import type { SnapshotInfo } from '../../adapter/engine/tables';
import { killStarted, runCkpt } from '../fixtures/cliRunner';
import { tempDir } from '../fixtures/harness';

after(killStarted);

/** A complete snapshot as the coordinator leaves it (manifest last); the image is never read here. */
function writeSnapshot(dir: string, id: string, label?: string): void {
  const snap = path.join(dir, 'snapshots', id);
  fs.mkdirSync(snap, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(snap, 'p7.img'), 'image');
  const manifest = {
    format: 1, id, time: new Date(Date.UTC(2026, 0, Number(id))).toISOString(), size: 5, root: 7, totalMs: 1,
    processes: [{ vpid: 7, pid: 1234, vppid: 1, ppid: 1, image: 'p7.img', bytes: 5 }],
    ...(label ? { label } : {}),
  };
  fs.writeFileSync(path.join(snap, 'manifest.json'), JSON.stringify(manifest));
}

async function listed(dir: string): Promise<[string, string | undefined][]> {
  const r = await runCkpt(['list', '--dir', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as SnapshotInfo[]).map((s) => [s.id, s.label]);
}

describe('ckpt label and ckpt delete', () => {
  test('label sets, replaces and clears a label; the manifest stays private', async () => {
    const dir = tempDir('ckpt-label-');
    writeSnapshot(dir, '1');
    writeSnapshot(dir, '2', 'old');
    let r = await runCkpt(['label', '--dir', dir, '1', 'before the bug']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'ckpt: snapshot 1 labelled "before the bug"\n');
    r = await runCkpt(['label', '--dir', dir, 'last', 'new']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await listed(dir), [['1', 'before the bug'], ['2', 'new']]);
    r = await runCkpt(['label', '--dir', dir, '1', '']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'ckpt: snapshot 1: label cleared\n');
    assert.deepEqual(await listed(dir), [['1', undefined], ['2', 'new']]);
    assert.equal(fs.statSync(path.join(dir, 'snapshots', '1', 'manifest.json')).mode & 0o077, 0);
  });

  test('delete removes exactly one snapshot', async () => {
    const dir = tempDir('ckpt-delete-');
    for (const id of ['1', '2', '3']) writeSnapshot(dir, id);
    const r = await runCkpt(['delete', '--dir', dir, '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'ckpt: snapshot 2 deleted\n');
    assert.deepEqual(await listed(dir), [['1', undefined], ['3', undefined]]);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'snapshots')).sort(), ['1', '3']);
    const last = await runCkpt(['delete', '--dir', dir, 'last']);
    assert.equal(last.code, 0, last.stderr);
    assert.deepEqual(await listed(dir), [['1', undefined]]);
  });

  test('bad arguments name the problem', async () => {
    const dir = tempDir('ckpt-delete-');
    writeSnapshot(dir, '1');
    const cases: [string[], number, RegExp][] = [
      [['delete', '--dir', dir], 2, /^ckpt delete: missing SNAPSHOT\nusage: ckpt delete \[--dir D\] SNAPSHOT \[--json\]\n$/],
      [['label', '--dir', dir, '1'], 2, /^ckpt label: missing TEXT\nusage: ckpt label \[--dir D\] SNAPSHOT TEXT \[--json\]\n$/],
      [['label', '--dir', dir, '1', 'a', 'b'], 2, /^ckpt label: unexpected argument 'b'\n/],
      [['delete', '--dir', dir, '9'], 1, new RegExp(`^ckpt delete: there is no snapshot 9 in ${dir}\n$`)],
      [['label', '--dir', dir, 'x', 'a'], 1, /^ckpt label: 'x' is not a snapshot id/],
      [['delete', '--dir', path.join(dir, 'none'), 'last'], 1, /^ckpt delete: there are no snapshots in /],
    ];
    for (const [args, code, re] of cases) {
      const r = await runCkpt(args);
      assert.equal(r.code, code, `ckpt ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
    assert.deepEqual(await listed(dir), [['1', undefined]], 'nothing was deleted or changed');
    const help = await runCkpt(['--help']);
    assert.match(help.stdout, /\n {2}ckpt label \[--dir D\] SNAPSHOT TEXT \[--json\]\n {2}ckpt delete \[--dir D\] SNAPSHOT \[--json\]\n/);
  });
});

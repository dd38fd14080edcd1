import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { CkptError } from '../../adapter/engine/ckptError';
import { reserveSnapshotId } from '../../adapter/engine/snapshotIds';
import { SnapshotStore } from '../../adapter/engine/snapshotStore';
import { ComputationDir } from '../../adapter/engine/computationDir';
import { tempDir } from '../fixtures/harness';
import { FAKE_INSPECT } from './fixtures/fakes';

/** Writes a snapshot the way the coordinator does, with an image fakeInspect understands. */
function writeSnapshot(dir: string, id: string, opts: { label?: string; image?: string; vpid?: number } = {}): void {
  const vpid = opts.vpid ?? 7;
  const snap = path.join(dir, 'snapshots', id);
  fs.mkdirSync(snap, { recursive: true });
  const image =
    opts.image ??
    JSON.stringify({
      format: 1, arch: 'x86_64', time: 0, vpid, pid: 1234, vppid: 1, exe: '/bin/prog', argv: ['/bin/prog', 'x'],
      threads: [{ vtid: vpid, tid: 1234 }, { vtid: vpid + 1, tid: 1240 }],
      fds: [
        { fd: 3, kind: 'file', path: '/tmp/out', offset: 42, flags: 1025 },
        { fd: 0, kind: 'stdio', path: '/dev/pts/0', flags: 2 },
        { fd: 5, kind: 'weird', path: 'x', flags: 0 },
      ],
      memory: [{ start: '0x400000', end: '0x401000', prot: 'r-xp', kind: 'file', path: '/bin/prog', savedBytes: 0 }],
      sections: [],
    });
  fs.writeFileSync(path.join(snap, `p${vpid}.img`), image);
  const manifest = {
    format: 1, id, time: new Date(Date.UTC(2026, 0, Number(id))).toISOString(), size: image.length, root: vpid, totalMs: 5,
    processes: [{ vpid, pid: 1234, vppid: 1, ppid: 1, image: `p${vpid}.img`, bytes: image.length }],
    ...(opts.label ? { label: opts.label } : {}),
  };
  fs.writeFileSync(path.join(snap, 'manifest.json'), JSON.stringify(manifest));
}

describe('SnapshotStore', () => {
  test('lists only complete snapshots, in id order', () => {
    const dir = tempDir('ckpt-store-');
    writeSnapshot(dir, '10', { label: 'ten' });
    writeSnapshot(dir, '2');
    writeSnapshot(dir, '3');
    fs.writeFileSync(path.join(dir, 'snapshots', '3', 'manifest.json'), '{"format":1,'); // torn manifest
    fs.mkdirSync(path.join(dir, 'snapshots', '.partial-11'));
    writeSnapshot(dir, '12');
    fs.renameSync(path.join(dir, 'snapshots', '12'), path.join(dir, 'snapshots', '.partial-12'));
    fs.mkdirSync(path.join(dir, 'snapshots', 'notes'));
    const store = new SnapshotStore(dir);
    assert.deepEqual(store.list().map((s) => [s.id, s.label]), [['2', undefined], ['10', 'ten']]);
    assert.equal(store.totalSize(), store.list().reduce((n, s) => n + s.size, 0));
    assert.ok(store.totalSize() > 0);
  });

  test('a directory without snapshots lists nothing', () => {
    assert.deepEqual(new SnapshotStore(path.join(tempDir('ckpt-store-'), 'absent')).list(), []);
  });

  test('unknown, malformed and damaged ids get clear errors', () => {
    const dir = tempDir('ckpt-store-');
    writeSnapshot(dir, '1');
    fs.mkdirSync(path.join(dir, 'snapshots', '4'));
    const store = new SnapshotStore(dir);
    assert.throws(() => store.get('9'), (e: Error) => e instanceof CkptError && e.message === `there is no snapshot 9 in ${dir}`);
    assert.throws(() => store.get('../1'), /'\.\.\/1' is not a snapshot id/);
    assert.throws(() => store.get('4'), /snapshot 4 .* is incomplete or damaged/);
    assert.equal(store.get('1').id, '1');
  });

  test('rename sets and clears labels; delete removes the snapshot at once', () => {
    const dir = tempDir('ckpt-store-');
    writeSnapshot(dir, '1');
    writeSnapshot(dir, '2');
    const store = new SnapshotStore(dir);
    assert.equal(store.rename('1', 'before the bug').label, 'before the bug');
    assert.equal(new SnapshotStore(dir).get('1').label, 'before the bug');
    assert.equal(fs.statSync(path.join(dir, 'snapshots', '1', 'manifest.json')).mode & 0o777, 0o600);
    assert.equal(store.rename('1', '').label, undefined);
    store.delete('2');
    assert.deepEqual(store.list().map((s) => s.id), ['1']);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'snapshots')), ['1']);
    assert.throws(() => store.delete('2'), /there is no snapshot 2/);
  });

  test('inspect maps the inspector\'s JSON onto resource tables', async () => {
    const dir = tempDir('ckpt-store-');
    writeSnapshot(dir, '1', { vpid: 40 });
    const store = new SnapshotStore(dir, { inspectCommand: FAKE_INSPECT });
    const { tables, images, info } = await store.inspect('1');
    assert.equal(info.id, '1');
    assert.equal(tables.source, '1');
    assert.deepEqual(tables.processes, [
      {
        vpid: 40, pid: 1234, vppid: 1, argv: ['/bin/prog', 'x'],
        threads: [{ vtid: 40, tid: 1234 }, { vtid: 41, tid: 1240 }],
        fds: [
          { fd: 0, kind: 'stdio', path: '/dev/pts/0', flags: 2 },
          { fd: 3, kind: 'file', path: '/tmp/out', offset: 42, flags: 1025 },
          { fd: 5, kind: 'other', path: 'x', flags: 0 },
        ],
      },
    ]);
    assert.equal(images[0].memory[0].start, '0x400000');
  });

  test('a corrupt image is refused with the inspector\'s message, naming the snapshot', async () => {
    const dir = tempDir('ckpt-store-');
    writeSnapshot(dir, '5', { image: 'garbage' });
    const store = new SnapshotStore(dir, { inspectCommand: FAKE_INSPECT });
    await assert.rejects(store.inspect('5'), /snapshot 5 \(image p7\.img\) is damaged: ckpt-inspect: .*p7\.img: bad magic/);
    fs.rmSync(path.join(dir, 'snapshots', '5', 'p7.img'));
    await assert.rejects(store.inspect('5'), /snapshot 5 is damaged: its image p7\.img is missing/);
  });

  test('reserved ids are unique even with a damaged counter', () => {
    const dir = tempDir('ckpt-store-');
    const cdir = new ComputationDir(dir);
    fs.mkdirSync(cdir.snapshots);
    const a = reserveSnapshotId(cdir);
    const b = reserveSnapshotId(cdir);
    assert.deepEqual([a.id, b.id], ['1', '2']);
    fs.writeFileSync(cdir.idCounter, 'junk');
    const c = reserveSnapshotId(cdir);
    assert.equal(c.id, '3', 'the partial directories still count');
    assert.equal(fs.statSync(c.partialDir).mode & 0o777, 0o700);
  });
});

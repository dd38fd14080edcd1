/**
 * `ckpt diff` with the real engine: a program rewrites exactly K pages of a
 * buffer between two snapshots, and the diff finds those pages and no others
 * in that region, the second snapshot being an increment of the first (its
 * unchanged pages are read from its parent).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nativePathsUnchecked } from '../../adapter/engine/nativePaths';
import type { SnapshotDiff } from '../../adapter/engine/snapshotDiff';
import { CkptProcess, compileC, killStarted, runCkpt, skipWithoutEngine } from '../fixtures/cliRunner';
import { tempDir } from '../fixtures/harness';

const native = nativePathsUnchecked();
const skip = skipWithoutEngine();

after(killStarted);

const BUFFER = 0x3f0000000000;
/** Pages 3-5, 20 and 40 get new bytes; page 7 is written with the bytes it already had. */
const REWRITER_C = `
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#define PAGES 48
static void wait_line(void) { char c; while (read(0, &c, 1) == 1 && c != '\\n') {} }
int main(void) {
  char *b = mmap((void *)${BUFFER}UL, PAGES * 4096, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (b == MAP_FAILED) { perror("mmap"); return 1; }
  for (int i = 0; i < PAGES; i++) memset(b + i * 4096, i + 1, 4096);
  printf("ready\\n"); fflush(stdout);
  wait_line();
  int pages[] = { 3, 4, 5, 20, 40 };
  for (int i = 0; i < 5; i++) b[pages[i] * 4096 + 100] = (char)0xee;
  memset(b + 7 * 4096, 8, 4096);
  printf("rewrote\\n"); fflush(stdout);
  wait_line();
  return 0;
}
`;

async function diffJson(dir: string, a: string, b: string): Promise<SnapshotDiff> {
  const r = await runCkpt(['diff', '--dir', dir, a, b, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as SnapshotDiff;
}

async function checkpoint(dir: string): Promise<string> {
  const r = await runCkpt(['checkpoint', '--dir', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { snapshot: { id: string } }).snapshot.id;
}

describe('ckpt diff with the real engine', { skip }, () => {
  let work: string;
  let program: string;

  before(() => {
    work = tempDir('ckpt-diff-');
    program = compileC(work, 'rewriter', REWRITER_C);
  });

  test('finds exactly the K pages rewritten in a buffer between two snapshots', async () => {
    const dir = path.join(work, 'd');
    const launch = new CkptProcess(['launch', '--dir', dir, '--', program]);
    await launch.waitForStdout(/^ready$/m);
    const first = await checkpoint(dir);
    launch.write('\n');
    await launch.waitForStdout(/^rewrote$/m);
    const second = await checkpoint(dir);

    const bufferOf = (d: SnapshotDiff) => {
      assert.equal(d.processes.length, 1);
      const region = d.processes[0].regions.find((g) => BigInt(g.start) === BigInt(BUFFER));
      assert.ok(region, `the buffer's region is in both: ${JSON.stringify(d.processes[0].regions.map((g) => g.start))}`);
      return region;
    };
    const forward = await diffJson(dir, first, second);
    assert.equal(forward.from, first);
    assert.equal(forward.to, second);
    const buffer = bufferOf(forward);
    assert.equal(buffer.kind, 'anon');
    assert.equal(buffer.pages, 48);
    assert.equal(buffer.changedPages, 5);
    assert.deepEqual(buffer.changed, [[3, 3], [20, 1], [40, 1]]);
    assert.ok(forward.changedPages >= 5, 'the total counts the buffer too');
    assert.equal(forward.changedPages, forward.processes[0].regions.reduce((n, g) => n + (g.changedPages ?? 0), 0));
    assert.deepEqual(forward.processes[0].threads.added, []);
    assert.deepEqual(forward.processes[0].threads.removed, []);

    const backward = await diffJson(dir, second, first);
    assert.deepEqual(bufferOf(backward).changed, [[3, 3], [20, 1], [40, 1]]);
    const itself = await diffJson(dir, second, 'last');
    assert.equal(itself.changedPages, 0);
    assert.deepEqual(itself.processes[0].added, []);
    assert.deepEqual(itself.processes[0].removed, []);

    const text = await runCkpt(['diff', '--dir', dir, first, second]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^snapshot ${first} -> ${second}: ${forward.changedPages} pages changed\\n`));
    assert.match(text.stdout, /\n {2}0x3f0000000000-0x3f0000030000 anon {8}5\/48 pages changed\n/);

    // The engine wrote the second snapshot as an increment of the first: the
    // answers above found its unchanged pages in the parent.
    const image = path.join(dir, 'snapshots', second, fs.readdirSync(path.join(dir, 'snapshots', second)).find((f) => f.endsWith('.img'))!);
    const parent = path.join(dir, 'snapshots', first, path.basename(image));
    assert.match(execFileSync(native.inspect, [image], { encoding: 'utf8' }), /"parent":\{/);
    assert.equal((await diffJson(dir, second, second)).changedPages, 0);

    // An increment whose parent is not where it says: the inspector names the file.
    const moved = path.join(work, 'moved', 'x');
    fs.mkdirSync(moved, { recursive: true });
    fs.copyFileSync(image, path.join(moved, 'p.img'));
    const lost = spawnSync(native.inspect, ['--diff', parent, path.join(moved, 'p.img')], { encoding: 'utf8' });
    assert.equal(lost.status, 2);
    assert.match(lost.stderr, new RegExp(`^ckpt-inspect: ${work}/moved/x/\\.\\./${first}/p\\d+\\.img: No such file or directory\n$`));
    const notImage = spawnSync(native.inspect, ['--diff', parent, program], { encoding: 'utf8' });
    assert.equal(notImage.status, 2);
    assert.match(notImage.stderr, /^ckpt-inspect: .*rewriter: not an image/);

    launch.write('\n');
    assert.equal((await launch.done).code, 0);
  });

  test('bad arguments name the problem and change nothing', async () => {
    const dir = path.join(work, 'd');
    const cases: [string[], RegExp][] = [
      [['diff', '--dir', dir, '1'], /^ckpt diff: missing SNAPSHOT_B\nusage: ckpt diff \[--dir D\] SNAPSHOT_A SNAPSHOT_B/],
      [['diff', '--dir', dir, '1', '99'], /^ckpt diff: there is no snapshot 99 in /],
    ];
    for (const [args, re] of cases) {
      const r = await runCkpt(args);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, re);
    }
  });
});

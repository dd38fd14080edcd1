/**
 * `ckpt diff` names each region by the path its own image gives it: a program maps a
 * file of its own between two snapshots, so the second image's table of paths holds
 * one more than the first's, and every region of the diff still carries the path that
 * ckpt-inspect reads for the same address from the image it comes from.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nativePathsUnchecked } from '../../adapter/engine/nativePaths';
import type { RegionDiff, SnapshotDiff } from '../../adapter/engine/snapshotDiff';
import { CkptProcess, compileC, killStarted, runCkpt, skipWithoutEngine } from '../fixtures/cliRunner';
import { tempDir } from '../fixtures/harness';

const native = nativePathsUnchecked();
const skip = skipWithoutEngine();

after(killStarted);

/** Maps a file at a low fixed address (its path comes first in the second image's table), and waits. */
const MAPPER_C = `
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
static void wait_line(void) { char c; while (read(0, &c, 1) == 1 && c != '\\n') {} }
int main(int argc, char **argv) {
  printf("ready\\n"); fflush(stdout);
  wait_line();
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0 || mmap((void *)0x200000000UL, 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0) == MAP_FAILED) {
    perror(argv[1]);
    return 1;
  }
  printf("mapped\\n"); fflush(stdout);
  wait_line();
  return 0;
}
`;

async function checkpoint(dir: string): Promise<string> {
  const r = await runCkpt(['checkpoint', '--dir', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { snapshot: { id: string } }).snapshot.id;
}

/** start → path of every region, as ckpt-inspect reads the snapshot's one image. */
function pathsOf(dir: string, id: string): Map<string, string> {
  const folder = path.join(dir, 'snapshots', id);
  const image = path.join(folder, fs.readdirSync(folder).find((f) => f.endsWith('.img'))!);
  const inspected = JSON.parse(execFileSync(native.inspect, [image], { encoding: 'utf8' })) as { memory: { start: string; path: string }[] };
  return new Map(inspected.memory.map((m) => [m.start, m.path]));
}

describe('ckpt diff names regions by their own image\'s paths', { skip }, () => {
  let work: string;
  let program: string;

  before(() => {
    work = tempDir('ckpt-diffpaths-');
    program = compileC(work, 'mapper', MAPPER_C);
  });

  test('a file mapped between the snapshots: every region keeps its path, the new one named', async () => {
    const dir = path.join(work, 'd');
    const mapped = path.join(work, `a-file-with-a-long-name-${'x'.repeat(40)}`);
    fs.writeFileSync(mapped, 'x'.repeat(4096));
    const launch = new CkptProcess(['launch', '--dir', dir, '--', program, mapped]);
    await launch.waitForStdout(/^ready$/m);
    const first = await checkpoint(dir);
    launch.write('\n');
    await launch.waitForStdout(/^mapped$/m);
    const second = await checkpoint(dir);

    const r = await runCkpt(['diff', '--dir', dir, first, second, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const [proc] = (JSON.parse(r.stdout) as SnapshotDiff).processes;
    const [before, after] = [pathsOf(dir, first), pathsOf(dir, second)];
    const named = (regions: RegionDiff[], paths: Map<string, string>) => regions.map((g) => [g.start, g.path, paths.get(g.start)]);
    for (const [start, got, want] of named(proc.regions, after)) assert.equal(got, want, `the region at ${start}`);
    assert.deepEqual(proc.added.map((g) => [g.start, g.kind, g.path]), [['0x200000000', 'file', mapped]]);
    for (const [start, got, want] of named(proc.removed, before)) assert.equal(got, want, `the removed region at ${start}`);
    assert.ok(proc.regions.some((g) => g.path.endsWith('/libc.so.6') && g.path.startsWith('/')), 'libc by its whole path');

    launch.write('\n');
    assert.equal((await launch.done).code, 0);
  });
});

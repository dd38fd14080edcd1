/**
 * `ckpt diff` names the program's files that changed between two snapshots
 * (real engine): a program appends to a file A it keeps open, creates B,
 * closes and deletes C (open for writing at the first snapshot) and closes D
 * (only read) while E, only read too, grows; the diff says A changed (with
 * both sizes), B added, C removed, D no longer checked and E checked changed, in the JSON, the text and straight from the inspector.
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

const FILES_C = `
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static void wait_line(void) { char c; while (read(0, &c, 1) == 1 && c != '\\n') {} }
static int put(int fd, const char *s) { return write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1; }
static char p[5][4096];
int main(int argc, char **argv) {
  if (argc != 2) return 2;
  const char *names = "abcde";
  for (int i = 0; i < 5; i++) snprintf(p[i], sizeof p[i], "%s/%c", argv[1], names[i]);
  int a = open(p[0], O_WRONLY | O_CREAT | O_APPEND, 0600);
  int c = open(p[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int d = open(p[3], O_RDONLY), e = open(p[4], O_RDONLY);
  if (a < 0 || c < 0 || d < 0 || e < 0 || put(a, "hello\\n") || put(c, "to be deleted\\n")) { perror("open"); return 1; }
  printf("ready\\n"); fflush(stdout);
  wait_line();
  int b = open(p[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (b < 0 || put(a, "world\\n") || put(b, "new\\n")) { perror("b"); return 1; }
  close(c); unlink(p[2]); close(d);
  printf("changed\\n"); fflush(stdout);
  wait_line();
  return 0;
}
`;

async function checkpoint(dir: string): Promise<string> {
  const r = await runCkpt(['checkpoint', '--dir', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { snapshot: { id: string } }).snapshot.id;
}

function imageOf(dir: string, id: string): string {
  const snap = path.join(dir, 'snapshots', id);
  return path.join(snap, fs.readdirSync(snap).find((f) => f.endsWith('.img'))!);
}

describe('ckpt diff of the program\'s files, real engine', { skip }, () => {
  let work: string;
  let program: string;

  before(() => {
    work = tempDir('ckpt-diff-files-');
    program = compileC(work, 'files', FILES_C);
  });

  test('names the saved file changed, the one added and the one removed, and the read files no longer checked or changed', async () => {
    const dir = path.join(work, 'd');
    const data = path.join(work, 'data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'd'), 'input\n');
    fs.writeFileSync(path.join(data, 'e'), 'input\n');
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((n) => path.join(data, n));
    const launch = new CkptProcess(['launch', '--dir', dir, '--', program, data]);
    await launch.waitForStdout(/^ready$/m);
    const first = await checkpoint(dir);
    launch.write('\n');
    await launch.waitForStdout(/^changed$/m);
    fs.appendFileSync(e, 'more\n');
    const second = await checkpoint(dir);

    const r = await runCkpt(['diff', '--dir', dir, first, second, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const diff = JSON.parse(r.stdout) as SnapshotDiff;
    assert.equal(diff.processes.length, 1);
    const files = diff.processes[0].files;
    assert.deepEqual(files.added, [b]);
    assert.deepEqual(files.removed, [c]);
    assert.deepEqual(files.changed, [{ path: a, sizeBefore: 6, sizeAfter: 12 }]);
    assert.deepEqual(files.checked, { added: [], removed: [d], changed: [{ path: e, sizeBefore: 6, sizeAfter: 11 }] });

    // The other way round, the same files the other way; a snapshot with itself, none.
    const back = JSON.parse((await runCkpt(['diff', '--dir', dir, second, first, '--json'])).stdout) as SnapshotDiff;
    assert.deepEqual(back.processes[0].files, {
      added: [c], removed: [b], changed: [{ path: a, sizeBefore: 12, sizeAfter: 6 }],
      checked: { added: [d], removed: [], changed: [{ path: e, sizeBefore: 11, sizeAfter: 6 }] },
    });
    const itself = JSON.parse((await runCkpt(['diff', '--dir', dir, second, second, '--json'])).stdout) as SnapshotDiff;
    assert.deepEqual(itself.processes[0].files, { added: [], removed: [], changed: [], checked: { added: [], removed: [], changed: [] } });

    const text = await runCkpt(['diff', '--dir', dir, first, second]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`\\n {2}file added: ${b}\\n {2}file removed: ${c}\\n {2}file changed: ${a} \\(6 -> 12 bytes\\)\\n {2}checked file removed: ${d}\\n {2}checked file changed: ${e} \\(6 -> 11 bytes\\)\\n`));

    // The inspector's own answer is the JSON the command relays.
    const raw = spawnSync(native.inspect, ['--diff', imageOf(dir, first), imageOf(dir, second)], { encoding: 'utf8' });
    assert.equal(raw.status, 0, raw.stderr);
    assert.deepEqual((JSON.parse(raw.stdout) as { files: unknown }).files, files);

    // A damaged record list: one line naming the image, and no JSON.
    const sections = (JSON.parse(execFileSync(native.inspect, [imageOf(dir, first)], { encoding: 'utf8' })) as
      { sections: { type: string; offset: number; size: number }[] }).sections;
    const filesSection = sections.find((x) => x.type === 'files');
    assert.ok(filesSection, 'the image has a FILES section');
    const damaged = path.join(work, 'damaged.img');
    const bytes = fs.readFileSync(imageOf(dir, first));
    bytes[filesSection.offset + filesSection.size - 2] ^= 0xff;
    fs.writeFileSync(damaged, bytes);
    const bad = spawnSync(native.inspect, ['--diff', imageOf(dir, first), damaged], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.equal(bad.stdout, '');
    assert.equal(bad.stderr, `ckpt-inspect: ${damaged}: the saved files section is corrupt (checksum mismatch)\n`);

    launch.write('\n');
    assert.equal((await launch.done).code, 0);
  });
});

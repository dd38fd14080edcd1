/**
 * The progress line on a real terminal (a pty from script(1)), for a checkpoint of a
 * program with 600 MiB of touched memory; CKPT_PROGRESS_AFTER_MS=0 shows it at once.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nativePathsUnchecked } from '../../adapter/engine/nativePaths';
import { CKPT_JS, CkptProcess, compileC, killStarted, runCkpt } from '../fixtures/cliRunner';
import { tempDir } from '../fixtures/harness';

const native = nativePathsUnchecked();
const built = [native.lib, native.restore, native.inspect].every((f) => fs.existsSync(f));
const hasScript = (() => {
  try {
    execFileSync('script', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skip = !built ? 'the native engine is not built (make -C native)' : !hasScript ? 'script(1) is not installed' : false;

after(killStarted);

const BIG_C = `
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(void) {
  size_t n = (size_t)600 << 20;
  char *p = malloc(n);
  for (size_t i = 0; i < n; i += 4096) p[i] = (char)(i >> 12);
  printf("ready\\n");
  fflush(stdout);
  for (;;) pause();
}
`;

/** Runs ckpt with its stdio on a fresh pty; what the terminal received. */
function onTerminal(args: string[]): Promise<string> {
  const command = [process.execPath, CKPT_JS, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    // The line shows at once: how long a checkpoint takes depends on the machine's page cache.
    const env = { ...process.env, CKPT_PROGRESS_AFTER_MS: '0' };
    execFile('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', env }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

describe('progress line on a terminal, with the real engine', { skip }, () => {
  let work: string;
  let big: string;

  before(() => {
    work = tempDir('ckpt-progress-');
    big = compileC(work, 'big', BIG_C);
  });

  test('a slow checkpoint draws the line and erases it; piped or --json, nothing is drawn', async () => {
    const dir = path.join(work, 'd');
    const launch = new CkptProcess(['launch', '--dir', dir, '--', big]);
    try {
      await launch.waitForStdout(/^ready$/m);
      const shown = await onTerminal(['checkpoint', '--dir', dir]);
      assert.match(shown, /^\rckpt: saving a snapshot… \d+\.\ds\x1b\[K/, JSON.stringify(shown));
      // Erased before the result: the terminal ends with the note and the id on clean lines.
      assert.match(shown, /\r\x1b\[Kckpt: snapshot 1 saved \([^)]+\)\r\n1\r\n$/, JSON.stringify(shown));

      const quiet = await onTerminal(['checkpoint', '--dir', dir, '--json']);
      assert.doesNotMatch(quiet, /saving a snapshot|\x1b/, JSON.stringify(quiet));
      assert.equal(JSON.parse(quiet.slice(quiet.indexOf('{'))).snapshot.id, '2');

      const piped = await runCkpt(['checkpoint', '--dir', dir]);
      assert.equal(piped.code, 0, piped.stderr);
      assert.match(piped.stderr, /^ckpt: snapshot 3 saved \([^)]+\)\n$/);
    } finally {
      await runCkpt(['kill', '--dir', dir]);
      await launch.done;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

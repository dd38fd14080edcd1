import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { CkptProcess, compileC, killStarted, runCkpt } from '../fixtures/cliRunner';
import { tempDir } from '../fixtures/harness';
import { STEPPER_C } from './fixtures/stepper';

after(killStarted);

/**
 * The disk fills during a checkpoint: the program keeps running, no partial
 * snapshot appears, and the error says why. A small tmpfs plays the full disk
 * (mounting one needs root, as CI and these machines have).
 */
test('a checkpoint onto a full disk fails with the reason, leaves no snapshot, and the program runs on', async () => {
  const work = tempDir('ckpt-full-');
  const small = path.join(work, 'small');
  fs.mkdirSync(small);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', small]);
  try {
    const stepper = compileC(work, 'stepper', STEPPER_C);
    const dir = path.join(small, 'ckpt');
    const launch = new CkptProcess(['launch', '--dir', dir, '--', stepper]);
    launch.write('nnn');
    await launch.waitForStdout(/^step 2 /m);

    const full = await runCkpt(['checkpoint', '--dir', dir]);
    assert.notEqual(full.code, 0);
    assert.match(full.stderr, /no space left on device/);

    const list = await runCkpt(['list', '--dir', dir, '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout), []);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'snapshots')), [], 'no partial snapshot is left behind');

    launch.write('nnq');
    launch.endInput();
    const end = await launch.done;
    assert.equal(end.code, 0, end.stderr);
    assert.match(end.stdout, /^step 4 .*\ndone 5\n$/ms);
  } finally {
    execFileSync('umount', [small]);
    fs.rmSync(work, { recursive: true, force: true });
  }
});

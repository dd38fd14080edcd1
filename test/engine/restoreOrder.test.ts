/**
 * The control order `restore`: a running `ckpt launch` replaces its program by
 * a snapshot, in its own stdio, and ends with the restored program's status.
 * The real CLI, the real engine, a real `ckpt launch` process.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ctlInfo, ctlRestore } from '../../adapter/engine/ctlClient';
import { CkptProcess, compileC, killStarted, runCkpt, skipWithoutEngine } from '../fixtures/cliRunner';
import { tempDir } from '../fixtures/harness';
import { STEPPER_C } from './fixtures/stepper';

const skip = skipWithoutEngine();

after(killStarted);

/** The line the stepper printed for step `n` (its hash depends on every earlier step). */
function stepLines(stdout: string, n: number): string[] {
  return stdout.split('\n').filter((l) => l.startsWith(`step ${n} `));
}

async function checkpoint(dir: string): Promise<string> {
  const r = await runCkpt(['checkpoint', '--dir', dir]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

describe('ckpt restore: a running ckpt launch replaces its program by a snapshot', { skip }, () => {
  let work: string;
  let stepper: string;

  before(() => {
    work = tempDir('ckpt-restore-');
    stepper = compileC(work, 'stepper', STEPPER_C);
  });

  test('bad snapshots are refused with the program untouched; a good one replaces it in the same stdio', async () => {
    const dir = path.join(work, 'replace');
    const launch = new CkptProcess(['launch', '--dir', dir, '--', stepper, path.join(work, 'replace.log')]);
    launch.write('n'.repeat(10));
    await launch.waitForStdout(/^step 9 /m);
    const first = await checkpoint(dir);
    launch.write('n'.repeat(5));
    await launch.waitForStdout(/^step 14 /m);
    const damaged = await checkpoint(dir);
    const originalPid = (await ctlInfo(dir)).programPid;
    assert.ok(originalPid, 'ckpt launch names its program');

    // An unknown id, through the order itself and through the command.
    await assert.rejects(ctlRestore(dir, '99'), /there is no snapshot 99/);
    const unknown = await runCkpt(['restore', '--dir', dir, '99']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^ckpt restore: there is no snapshot 99 in /);
    // A damaged image: the restorer's check refuses it before anything is killed.
    const image = fs.readdirSync(path.join(dir, 'snapshots', damaged)).find((f) => f.endsWith('.img'))!;
    const imagePath = path.join(dir, 'snapshots', damaged, image);
    fs.truncateSync(imagePath, Math.floor(fs.statSync(imagePath).size / 2));
    await assert.rejects(ctlRestore(dir, damaged), new RegExp(`cannot restart snapshot ${damaged}: .+`));
    // A malformed order names what is wrong.
    await assert.rejects(ctlRestore(dir, ''), /restore: snapshot must be a non-empty string/);

    assert.equal((await ctlInfo(dir)).programPid, originalPid, 'the same program still runs');
    launch.write('n');
    await launch.waitForStdout(/^step 15 /m);
    assert.equal(stepLines(launch.stdout, 10).length, 1);

    // The good one: the program goes back to step 10 and prints from there in ckpt launch's stdout.
    const restored = await runCkpt(['restore', '--dir', dir, first]);
    assert.equal(restored.code, 0, restored.stderr);
    const pids = restored.stdout.trim().split(' ').map(Number);
    assert.equal(pids.length, 1);
    assert.notEqual(pids[0], originalPid);
    const info = await ctlInfo(dir);
    assert.equal(info.restoredFrom, first);
    assert.equal(info.programPid, pids[0]);
    assert.deepEqual(info.processes.map((p) => p.pid), pids);

    launch.write('nnn');
    const end = Date.now() + 60000;
    while (stepLines(launch.stdout, 12).length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    for (const n of [10, 11, 12]) {
      const lines = stepLines(launch.stdout, n);
      assert.equal(lines.length, 2, `step ${n} printed by the original and by the restored program:\n${launch.stdout}`);
      assert.equal(lines[1], lines[0], 'the restored program continues with the saved state');
    }
    assert.equal(stepLines(launch.stdout, 13).length, 1, 'the restored program stopped before step 13, which only the original printed');
    launch.write('q');
    const done = await launch.done;
    assert.equal(done.code, 0, `ckpt launch ends with the restored program's status, not the killed one's; stderr: ${done.stderr}`);
    assert.match(done.stdout, /\ndone 13\n$/);
  });

  test('ckpt launch exits with the status of the program that replaced it (a signal too)', async () => {
    const dir = path.join(work, 'status');
    const launch = new CkptProcess(['launch', '--dir', dir, '--', stepper]);
    launch.write('nn');
    await launch.waitForStdout(/^step 1 /m);
    const id = await checkpoint(dir);
    const restored = await runCkpt(['restore', '--dir', dir, 'last']);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stderr, new RegExp(`snapshot ${id} restored`));
    const [pid] = restored.stdout.trim().split(' ').map(Number);
    launch.write('n');
    await launch.waitForStdout(/^step 2 /m);
    process.kill(pid, 'SIGTERM');
    const done = await launch.done;
    assert.equal(done.code, 128 + 15);
  });

  test('restore needs a running coordinator and a snapshot argument', async () => {
    const dir = path.join(work, 'none');
    const nothing = await runCkpt(['restore', '--dir', dir, '1']);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /no program is running in|there is no snapshot 1|cannot read/);
    const usage = await runCkpt(['restore', '--dir', dir]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: ckpt restore \[--dir D\] \[--hold\] SNAPSHOT/);
  });
});

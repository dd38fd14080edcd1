/**
 * The engine's replay log (native/lib/plugins/replay) through `ckpt`: a
 * program launched with --record and restarted with --record reads the
 * clock and random values the original run read after the snapshot; without
 * --record it reads live ones and nothing is logged.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CkptProcess, compileC, killStarted, runCkpt, skipWithoutEngine } from '../fixtures/cliRunner';
import { mode, tempDir } from '../fixtures/harness';

const skip = skipWithoutEngine();
const programSource = (name: string) => fs.readFileSync(path.resolve(__dirname, `../../../test/fixtures/programs/${name}.c`), 'utf8');

after(killStarted);

/** Launches the program, takes snapshot 1 after three steps, runs three more; returns what it printed after the snapshot. */
/** `last`: the word of the last line the program prints for a step. */
async function originalRun(dir: string, program: string, record: boolean, last = 'step'): Promise<string> {
  const launch = new CkptProcess(['launch', '--dir', dir, ...(record ? ['--record'] : []), '--', program]);
  launch.write('nnn');
  await launch.waitForStdout(new RegExp(`^${last} 2 `, 'm'));
  const snap = await runCkpt(['checkpoint', '--dir', dir]);
  assert.equal(snap.code, 0, snap.stderr);
  assert.equal(snap.stdout.trim(), '1');
  // values that differ from any re-execution's live ones
  await new Promise((r) => setTimeout(r, 50));
  launch.write('nnn');
  launch.endInput();
  const r = await launch.done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${last} 5 real=`, 'm'));
  return r.stdout.slice(r.stdout.search(/^\w+ 3 /m));
}

async function restart(dir: string, record: boolean): Promise<string> {
  const r = await runCkpt(['restart', '--dir', dir, ...(record ? ['--record'] : []), '1'], {}, 'nnn');
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

describe('the replay log of clock and random values', { skip }, () => {
  let work: string;
  let program: string;

  before(() => {
    work = tempDir('ckpt-replay-');
    program = compileC(work, 'clockrand', programSource('clockrand'));
  });

  test('restarting one snapshot twice with --record gives the original run\'s values both times', async () => {
    const dir = path.join(work, 'recorded');
    const original = await originalRun(dir, program, true);
    assert.match(original, /^step 3 .*\nstep 4 .*\nstep 5 .*\ndone 6\n$/);
    assert.equal(await restart(dir, true), original, 'first re-execution');
    assert.equal(await restart(dir, true), original, 'second re-execution');
    // the log is the user's alone
    const logDir = path.join(dir, 'replay');
    assert.equal(mode(logDir), 0o700);
    const logs = fs.readdirSync(logDir);
    assert.ok(logs.length >= 1, 'a log file per recording thread');
    for (const f of logs) assert.equal(mode(path.join(logDir, f)) & 0o777, 0o600, f);

    // A new program launched there does not keep the old one's log.
    const next = await runCkpt(['launch', '--dir', dir, '--', program], {}, 'q');
    assert.equal(next.code, 0, next.stderr);
    assert.equal(fs.existsSync(logDir), false, 'the earlier run\'s log is removed');
  });

  test('a restart without --record reads live values, from a recorded run too', async () => {
    const dir = path.join(work, 'recorded-live');
    const original = await originalRun(dir, program, true);
    const live = await restart(dir, false);
    assert.match(live, /^step 3 .*\nstep 4 .*\nstep 5 .*\ndone 6\n$/);
    const realOf = (text: string) => text.split('\n').filter((l) => l.startsWith('step')).map((l) => /real=(\S+)/.exec(l)![1]);
    const randomOf = (text: string) => text.split('\n').filter((l) => l.startsWith('step')).map((l) => /random=(\S+)/.exec(l)![1]);
    for (let i = 0; i < 3; i++) {
      assert.notEqual(realOf(live)[i], realOf(original)[i], `step ${3 + i}: the clock is read live`);
      assert.notEqual(randomOf(live)[i], randomOf(original)[i], `step ${3 + i}: random bytes are live`);
    }
    // and a later restart with --record still has the original run's values
    assert.equal(await restart(dir, true), original);
  });

  test('threads read their own values back: one that was there at the snapshot and ones made after it', async () => {
    const threads = compileC(work, 'clockthreads', programSource('clockthreads'));
    const dir = path.join(work, 'threads');
    const original = await originalRun(dir, threads, true, 'new');
    assert.match(original, /^main 3 .*\nworker 3 .*\nnew 3 .*\n(.*\n){6}done 6\n$/);
    assert.equal(await restart(dir, true), original, 'first re-execution');
    assert.equal(await restart(dir, true), original, 'second re-execution');
    assert.ok(fs.readdirSync(path.join(dir, 'replay')).length >= 8, 'a stream per thread: main, worker, six made per step');
  });

  test('children forked after the snapshot read their own values back', async () => {
    const forks = compileC(work, 'clockfork', programSource('clockfork'));
    const dir = path.join(work, 'forks');
    const original = await originalRun(dir, forks, true, 'parent');
    assert.match(original, /^child 3 .*\nparent 3 .*\n(.*\n){4}done 6\n$/);
    assert.equal(await restart(dir, true), original, 'first re-execution');
    assert.equal(await restart(dir, true), original, 'second re-execution');
  });

  test('a log replaced by a symbolic link is not followed: the restart reads live values and the link\'s target is untouched', async () => {
    const dir = path.join(work, 'planted');
    const original = await originalRun(dir, program, true);
    const logDir = path.join(dir, 'replay');
    const [log] = fs.readdirSync(logDir);
    const target = path.join(work, 'planted-target');
    fs.copyFileSync(path.join(logDir, log), target);
    const before = fs.readFileSync(target);
    fs.rmSync(path.join(logDir, log));
    fs.symlinkSync(target, path.join(logDir, log));
    const again = await restart(dir, true);
    assert.match(again, /^step 3 .*\nstep 4 .*\nstep 5 .*\ndone 6\n$/);
    assert.notEqual(again, original, 'nothing read through the link');
    assert.ok(fs.readFileSync(target).equals(before), 'nothing written through the link');
    assert.ok(fs.lstatSync(path.join(logDir, log)).isSymbolicLink());
  });

  test('without --record nothing is logged and a restart with --record has nothing to give back', async () => {
    const dir = path.join(work, 'unrecorded');
    const original = await originalRun(dir, program, false);
    assert.equal(fs.existsSync(path.join(dir, 'replay')), false, 'no log without --record');
    const again = await restart(dir, true);
    assert.match(again, /^step 3 .*\nstep 4 .*\nstep 5 .*\ndone 6\n$/);
    assert.notEqual(again, original, 'values read live: there was no log');
  });
});

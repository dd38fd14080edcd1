/**
 * The debuggee without DAP (as vscode-mock-debug tests its runtime): its one
 * state through a program's life, and the events it says it by, on a real
 * program under a real gdb.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as mi from '../../adapter/gdb/gdbCommands';
import { BreakpointHits } from '../../adapter/session/breakpointHits';
import { Debuggee, DebuggeeStop } from '../../adapter/session/debuggee';
import { checkLaunch } from '../../adapter/session/programChecks';
import { Programs, TIMEOUT_MS, lineOf, sourceOf } from '../fixtures/dapHarness';

const programs = new Programs();
let basic: string;

before(() => { basic = programs.build('basic'); });
after(() => programs.dispose());

function next<T extends unknown[]>(d: Debuggee, event: 'stopped' | 'exited' | 'ended'): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    d.once(event, (...args: unknown[]) => { clearTimeout(timer); resolve(args as T); });
  });
}

test('notStarted, running, stopped at a breakpoint, paused, exited: one state, told by events', async (t) => {
  const d = new Debuggee(new BreakpointHits());
  t.after(() => d.shutdown());
  const output: string[] = [];
  d.on('output', (kind, text) => { if (kind === 'stdout') output.push(text); });
  let moved = 0;
  d.on('moved', () => { moved++; });

  await d.prepareLaunch(checkLaunch({ program: basic, args: ['a'] }));
  assert.equal(d.state, 'notStarted');
  assert.throws(() => d.requireProgram(), /No program is running/);
  await mi.breakInsert(d.requireGdb(), { location: `${sourceOf('basic.c')}:${lineOf('basic.c', 'CALL')}` });

  const atBreakpoint = next<[DebuggeeStop]>(d, 'stopped');
  await d.run(false);
  const [stop] = await atBreakpoint;
  assert.equal(d.state, 'stopped');
  assert.equal(stop.results.reason, 'breakpoint-hit');
  assert.equal(stop.expected, undefined);
  assert.equal(stop.endOfStep, false);
  assert.equal(d.lastStoppedThread, stop.thread);
  assert.ok(d.stoppedPid && d.stoppedPid > 0, 'the stopped thread\'s process is known');

  // Running: reading the program's state is refused with a reason. basic.c
  // ends on its own, and on a busy machine gdb's answer to the continue and
  // the exit can arrive in one read: the state is looked at as the resume is
  // asked, and the exit listened for before, not once the answer is in.
  const movedBefore = moved;
  const exited = next<[number]>(d, 'exited');
  const ended = next<[string]>(d, 'ended');
  const resumed = d.resume((gdb) => mi.execContinue(gdb));
  assert.equal(d.state, 'running');
  assert.ok(moved > movedBefore, 'resuming says the last stop\'s state is stale');
  assert.throws(() => d.requireStopped(), /The program is running: pause it first/);
  await resumed;
  // Its exit is the next thing told, with its code.
  const [code] = await exited;
  assert.equal(code, 0);
  assert.deepEqual(await ended, ['program exited']);
  assert.equal(d.state, 'exited');
  assert.match(output.join(''), /basic: started with 1 args/);
});

test('a Pause is the stop it asked for; a relaunch starts the program again', async (t) => {
  const d = new Debuggee(new BreakpointHits());
  t.after(() => d.shutdown());
  await d.prepareLaunch(checkLaunch({ program: programs.build('spin') }));
  const started = new Promise<void>((resolve) => d.once('process', () => resolve()));
  await d.run(false);
  await started;
  assert.equal(d.state, 'running');
  const paused = next<[DebuggeeStop]>(d, 'stopped');
  await d.pause();
  const [stop] = await paused;
  assert.equal(stop.expected, 'pause');
  assert.equal(d.state, 'stopped');
  await d.relaunch();
  assert.equal(d.state, 'running');
  const again = next<[DebuggeeStop]>(d, 'stopped');
  await d.pause();
  assert.equal((await again)[0].expected, 'pause');
});

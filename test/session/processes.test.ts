/**
 * Programs with several threads and processes, their output, and ending a
 * session: pause, terminate, exit codes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Programs, TestClient, find, lineOf, startClient } from '../fixtures/dapHarness';

const programs = new Programs();
let basic: string;
let threads: string;
let forks: string;
let spin: string;

before(() => {
  basic = programs.build('basic');
  threads = programs.build('threads');
  forks = programs.build('forks');
  spin = programs.build('spin');
});
after(() => programs.dispose());

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie is gone for our purposes.
    return !/State:\s+Z/.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Launches spin and waits until it runs its loop. */
async function launchSpin(dc: TestClient): Promise<void> {
  await Promise.all([dc.configurationSequence(), dc.launch({ program: spin })]);
  await dc.outputContains('spin: running');
}

/** Terminates the session and expects the program's process `pid` to be gone (within 30 s). */
async function terminateAndExpectGone(dc: TestClient, pid: number): Promise<void> {
  const terminated = dc.eventSeen('terminated');
  await dc.terminateRequest({});
  await terminated;
  const deadline = Date.now() + 30000;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(processAlive(pid), false, 'the program is gone');
}

test('the program\'s stdout and stderr reach output events, with its arguments', async (t) => {
  const dc = await startClient(t);
  const terminated = dc.eventSeen('terminated');
  const exited = dc.eventSeen('exited');
  await Promise.all([dc.configurationSequence(), dc.launch({ program: basic, args: ['one arg', "it's"] })]);
  await terminated;
  assert.equal((await exited).body.exitCode, 0);
  assert.match(dc.outputText('stdout'), /basic: started with 2 args\n/);
  assert.match(dc.outputText('stdout'), /basic: total=30 x=30 values\[2\]=30\n/);
  assert.match(dc.outputText('stderr'), /basic: to stderr\n/);
});

test('arguments, environment and working directory reach the program unchanged', async (t) => {
  const dc = await startClient(t);
  const dir = path.join(programs.dir, 'dir with space');
  fs.mkdirSync(dir, { recursive: true });
  const program = programs.build('args', { output: 'dir with space/args prog' });
  const args = ['plain', 'two words', '$HOME', '"quoted"', "it's", '*', '', 'a\\b;c|d>e'];
  const terminated = dc.eventSeen('terminated');
  await Promise.all([
    dc.configurationSequence(),
    dc.launch({ program, args, cwd: dir, env: { CKPT_TEST_VAR: 'value with $dollar and "quotes"' } }),
  ]);
  await terminated;
  const expected = args.map((a) => `arg[${a}]\n`).join('') + 'env[value with $dollar and "quotes"]\n' + `cwd[${dir}]\n`;
  assert.equal(dc.outputText('stdout'), expected);
});

test('every thread of a multi-threaded program is listed', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: threads }, [{ file: 'threads.c', marker: 'ALL_STARTED' }]);
  const list = (await dc.threadsRequest()).body.threads;
  assert.equal(list.length, 4, `main and 3 workers: ${JSON.stringify(list)}`);
  assert.ok(list.some((th) => th.id === stop.body.threadId));
  for (const th of list) assert.match(th.name, /LWP \d+/);
  // Each worker's stack is readable and shows its function.
  let workers = 0;
  for (const th of list) {
    const frames = (await dc.stackTraceRequest({ threadId: th.id })).body.stackFrames;
    if (frames.some((f) => f.name === 'worker')) workers++;
  }
  assert.equal(workers, 3);
  const terminated = dc.eventSeen('terminated');
  await dc.continueRequest({ threadId: stop.body.threadId });
  await terminated;
  await dc.outputContains('threads: done, 3 workers');
});

test('a forked child is debugged too: its threads are listed and its breakpoints hit', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: forks }, [
    { file: 'forks.c', marker: 'CHILD' },
    { file: 'forks.c', marker: 'PARENT_AFTER_WAIT' },
  ]);
  // The child reaches its breakpoint first: the parent is blocked in waitpid.
  let frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.name, 'child_work');
  assert.equal(frame.line, lineOf('forks.c', 'CHILD'));
  const list = (await dc.threadsRequest()).body.threads;
  const pids = new Set(list.map((th) => /\[process (\d+)\]/.exec(th.name)?.[1]));
  assert.equal(pids.size, 2, `threads of two processes: ${JSON.stringify(list)}`);
  assert.ok(!pids.has(undefined), 'every thread names its process');
  const args = await dc.scopeVariables(frame.id, 'Arguments');
  assert.equal(find(args, 'n').value, '21');

  const next = dc.nextStop();
  await dc.continueRequest({ threadId: stop.body.threadId });
  const parentStop = await next;
  frame = await dc.topFrame(parentStop.body.threadId);
  assert.equal(frame.name, 'main');
  assert.equal(frame.line, lineOf('forks.c', 'PARENT_AFTER_WAIT'));
  await dc.outputContains('forks: child result 42');

  const exited = dc.eventSeen('exited');
  const terminated = dc.eventSeen('terminated');
  await dc.continueRequest({ threadId: parentStop.body.threadId });
  await terminated;
  assert.equal((await exited).body.exitCode, 0);
  await dc.outputContains('forks: parent saw child exit 0');
});

test('pause stops a running program; terminate ends it', async (t) => {
  const dc = await startClient(t);
  await launchSpin(dc);
  const paused = dc.nextStop();
  const threadsWhileRunning = (await dc.threadsRequest()).body.threads;
  assert.equal(threadsWhileRunning.length, 1);
  await dc.pauseRequest({ threadId: threadsWhileRunning[0].id });
  const stop = await paused;
  assert.equal(stop.body.reason, 'pause');
  // The program is somewhere in main's loop or in usleep below it.
  const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
  const main = frames.find((f) => f.name === 'main');
  assert.ok(main, `main on the stack: ${frames.map((f) => f.name).join(' < ')}`);
  const rounds = await dc.evaluateRequest({ expression: 'rounds', frameId: main.id, context: 'watch' });
  assert.ok(Number(rounds.body.result) >= 0);
  const pid = Number(/process (\d+)/.exec((await dc.evaluateRequest({ expression: '-exec info inferiors', context: 'repl' })).body.result)?.[1]);
  assert.ok(pid > 0 && processAlive(pid));

  await terminateAndExpectGone(dc, pid);
});

test('the exit code of the program is reported', async (t) => {
  const dc = await startClient(t);
  const exited = dc.eventSeen('exited');
  // basic returns strlen(origin.name) - 6; a breakpoint lets the test change the name.
  const stop = await dc.launchAndStop({ program: basic }, [{ file: 'basic.c', marker: 'END' }]);
  const frame = await dc.topFrame(stop.body.threadId);
  // The assignment's own answer first: an exit code of 0 would otherwise not say whether it was lost.
  const assigned = await dc.evaluateRequest({ expression: 'origin.name = "origin++"', frameId: frame.id, context: 'repl' });
  assert.match(assigned.body.result, /"origin\+\+"/);
  await dc.continueRequest({ threadId: stop.body.threadId });
  assert.equal((await exited).body.exitCode, 2);
});

test('terminate ends a program that is running', async (t) => {
  const dc = await startClient(t);
  await launchSpin(dc);
  const pid = Number(/LWP (\d+)/.exec((await dc.threadsRequest()).body.threads[0].name)?.[1]);
  assert.ok(pid > 0 && processAlive(pid));
  await terminateAndExpectGone(dc, pid);
});

test('"console": "integratedTerminal" runs the program on the client\'s terminal', async (t) => {
  const dc = await startClient(t);
  const terminal = dc.serveTerminals(t);
  const terminated = dc.eventSeen('terminated');
  await Promise.all([
    dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest()),
    dc.initializeRequest({ adapterID: 'ckpt', supportsRunInTerminalRequest: true, linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' })
      .then(() => dc.launchRequest({ program: basic, console: 'integratedTerminal' } as never)),
  ]);
  await terminated;
  const deadline = Date.now() + 30000;
  while (!terminal.text().includes('basic: total=30') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.match(terminal.text(), /basic: started with 0 args/);
  assert.match(terminal.text(), /basic: total=30/);
  assert.doesNotMatch(dc.outputText('stdout'), /basic:/, 'the output went to the terminal, not to the debug console');
});

/**
 * Logpoints, hit conditions and data breakpoints (gdb watchpoints) through the
 * adapter, on a real program under a real gdb; and that they still work in a
 * restored snapshot.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { Requests } from '../../adapter/protocol';
import type { SaveSnapshotResult } from '../../adapter/protocol';
import { Programs, TestClient, find, lineOf, sourceOf, startClient } from '../fixtures/dapHarness';

const programs = new Programs();
let counter: string;
let threads: string;

before(() => {
  counter = programs.build('counter');
  threads = programs.build('threads');
});
after(() => programs.dispose());

const source = (): { path: string } => ({ path: sourceOf('counter.c') });

/** The value of `expression` where the program stopped. */
async function valueAt(dc: TestClient, threadId: number, expression: string): Promise<string> {
  const frame = await dc.topFrame(threadId);
  return (await dc.evaluateRequest({ expression, frameId: frame.id, context: 'watch' })).body.result;
}

/** Continues until the stop at #END; returns `bump`'s argument at every stop before it. */
async function stepsUntilEnd(dc: TestClient, threadId: number): Promise<string[]> {
  const steps: string[] = [];
  for (;;) {
    const next = dc.nextStop();
    await dc.continueRequest({ threadId });
    const stop = await next;
    const frame = await dc.topFrame(stop.body.threadId);
    if (frame.line === lineOf('counter.c', 'END')) return steps;
    assert.equal(frame.name, 'bump');
    steps.push((await dc.scopeVariables(frame.id, 'Arguments'))[0].value);
  }
}

test('the adapter announces logpoints, hit conditions and data breakpoints', async (t) => {
  const dc = await startClient(t);
  const caps = (await dc.initializeRequest()).body;
  assert.equal(caps?.supportsLogPoints, true);
  assert.equal(caps?.supportsHitConditionalBreakpoints, true);
  assert.equal(caps?.supportsDataBreakpoints, true);
});

test('a logpoint prints its message with the values of its expressions and does not stop', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: counter }, [
    { file: 'counter.c', marker: 'BUMP', logMessage: 'bump({step}): counter={counter} {{braces}} {no_such_name}' },
    { file: 'counter.c', marker: 'END' },
  ]);
  // The first stop is the one at the end: the logpoint never stopped the program.
  assert.equal((await dc.topFrame(stop.body.threadId)).line, lineOf('counter.c', 'END'));
  const logged = dc.outputs.filter((o) => o.body.category === 'console' && o.body.output.startsWith('bump(')).map((o) => o.body.output);
  const expected = [[1, 0], [2, 1], [3, 3], [4, 6], [5, 10], [6, 15]]
    .map(([s, c]) => `bump(${s}): counter=${c} {braces} <No symbol "no_such_name" in current context.>\n`);
  assert.deepEqual(logged, expected);

  // A message that cannot be read is refused, naming what is wrong.
  const bad = await dc.setBreakpointsRequest({ source: source(), breakpoints: [{ line: lineOf('counter.c', 'BUMP'), logMessage: 'x={counter' }] });
  assert.equal(bad.body.breakpoints[0].verified, false);
  assert.match(bad.body.breakpoints[0].message ?? '', /'\{' without its '\}'/);
});

test('a logpoint and a breakpoint at the same place: the message is printed and the program stops', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop(
    { program: counter },
    [{ file: 'counter.c', marker: 'RECORD', logMessage: 'record {value}' }],
    ['record'],
  );
  const frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.name, 'record');
  assert.equal((await dc.scopeVariables(frame.id, 'Arguments'))[0].value, '1');
  await dc.outputContains('record 1\n', 'console');
});

test('Step Over and Step Out past logpoints and skipped hits stay steps', async (t) => {
  const dc = await startClient(t);
  let stop = await dc.launchAndStop({ program: counter }, [{ file: 'counter.c', marker: 'LOOP' }]);
  await dc.setBreakpointsRequest({ source: source(), breakpoints: [{ line: lineOf('counter.c', 'BUMP'), logMessage: 'in bump {step}' }] });
  // One level deeper than the logpoint, and never due.
  await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'record', hitCondition: '>= 100' }] });
  const lines: number[] = [];
  for (let k = 0; k < 3; k++) {
    const next = dc.nextStop();
    await dc.nextRequest({ threadId: stop.body.threadId });
    stop = await next;
    assert.equal(stop.body.reason, 'step');
    const frame = await dc.topFrame(stop.body.threadId);
    assert.equal(frame.name, 'main');
    lines.push(frame.line);
  }
  // LOOP (i = 1) → the loop's header → LOOP (i = 2) → the header: one line at a time.
  const loop = lineOf('counter.c', 'LOOP');
  assert.deepEqual(lines, [loop - 1, loop, loop - 1]);
  const logged = (): string[] => dc.outputs.filter((o) => o.body.category === 'console' && /^in (bump|record)/.test(o.body.output)).map((o) => o.body.output);
  assert.deepEqual(logged(), ['in bump 1\n', 'in bump 2\n']);

  // Step Out of bump past a logpoint in the function it calls: back in main, after the call.
  await dc.setBreakpointsRequest({ source: source(), breakpoints: [{ line: lineOf('counter.c', 'BUMP') }, { line: lineOf('counter.c', 'RECORD'), logMessage: 'in record {value}' }] });
  let next = dc.nextStop();
  await dc.continueRequest({ threadId: stop.body.threadId });
  stop = await next;
  assert.equal((await dc.topFrame(stop.body.threadId)).name, 'bump');
  next = dc.nextStop();
  await dc.stepOutRequest({ threadId: stop.body.threadId });
  stop = await next;
  assert.equal(stop.body.reason, 'step');
  const frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.name, 'main');
  assert.equal(frame.line, loop);
  assert.deepEqual(logged(), ['in bump 1\n', 'in bump 2\n', 'in record 6\n']);
});

test('Step Over in one thread while other threads pass a logpoint: each step ends in the stepping thread', async (t) => {
  const dc = await startClient(t);
  let stop = await dc.launchAndStop({ program: threads }, [{ file: 'threads.c', marker: 'ALL_STARTED' }]);
  const main = stop.body.threadId;
  await dc.setBreakpointsRequest({ source: { path: sourceOf('threads.c') }, breakpoints: [{ line: lineOf('threads.c', 'WORKER_PRINT'), logMessage: 'worker {id}' }] });
  // Past the release of the workers and the joins (each waits for a worker, which passes the logpoint).
  const done = lineOf('threads.c', 'ALL_STARTED') + 4;
  const lines: number[] = [];
  while (lines.length < 20 && lines[lines.length - 1] !== done) {
    const next = dc.nextStop();
    await dc.nextRequest({ threadId: main });
    stop = await next;
    assert.equal(stop.body.reason, 'step');
    assert.equal(stop.body.threadId, main, 'the step ends in the thread that steps');
    const frame = await dc.topFrame(main);
    assert.equal(frame.name, 'main');
    lines.push(frame.line);
  }
  assert.equal(lines[lines.length - 1], done, `lines stepped: ${lines}`);
  const logged = dc.outputs.filter((o) => o.body.category === 'console' && o.body.output.startsWith('worker ')).map((o) => o.body.output);
  assert.deepEqual(logged.sort(), ['worker 0\n', 'worker 1\n', 'worker 2\n']);
});

test('hit conditions: the Nth hit, from the Nth hit on, every Nth hit; a bad one is refused', async (t) => {
  for (const [hitCondition, expected] of [['3', ['3']], ['>= 5', ['5', '6']], ['% 2', ['2', '4', '6']], ['< 3', ['1', '2']]] as const) {
    const dc = await startClient(t);
    const stop = await dc.launchAndStop({ program: counter }, [{ file: 'counter.c', marker: 'START' }]);
    const set = await dc.setBreakpointsRequest({
      source: source(),
      breakpoints: [{ line: lineOf('counter.c', 'BUMP'), hitCondition }, { line: lineOf('counter.c', 'END') }],
    });
    assert.ok(set.body.breakpoints.every((b) => b.verified));
    assert.deepEqual(await stepsUntilEnd(dc, stop.body.threadId), expected, `hitCondition ${hitCondition}`);
    await dc.stop();
  }
  const dc = await startClient(t);
  await dc.launchAndStop({ program: counter }, [{ file: 'counter.c', marker: 'START' }]);
  const bad = await dc.setBreakpointsRequest({ source: source(), breakpoints: [{ line: lineOf('counter.c', 'BUMP'), hitCondition: 'every third' }] });
  assert.equal(bad.body.breakpoints[0].verified, false);
  assert.match(bad.body.breakpoints[0].message ?? '', /'every third' is not understood/);
  // Hit conditions of function breakpoints too.
  const fn = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'bump', hitCondition: '4' }] });
  assert.equal(fn.body.breakpoints[0].verified, true);
  await dc.setBreakpointsRequest({ source: source(), breakpoints: [{ line: lineOf('counter.c', 'END') }] });
  const threadId = (await dc.threadsRequest()).body.threads[0].id;
  assert.deepEqual(await stepsUntilEnd(dc, threadId), ['4']);
});

test('data breakpoints: a write, a read and any access, on a global or a variable of the Variables view', async (t) => {
  const dc = await startClient(t);
  let stop = await dc.launchAndStop({ program: counter }, [{ file: 'counter.c', marker: 'START' }]);
  const threadId = stop.body.threadId;

  const info = await dc.dataBreakpointInfoRequest({ name: 'counter' });
  assert.ok(info.body.dataId, info.body.description);
  assert.deepEqual(info.body.accessTypes, ['write', 'read', 'readWrite']);
  const set = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write' }] });
  assert.equal(set.body.breakpoints[0].verified, true, set.body.breakpoints[0].message);

  for (const [value, description] of [['1', 'counter: 0 → 1'], ['3', 'counter: 1 → 3']]) {
    const next = dc.nextStop();
    await dc.continueRequest({ threadId });
    stop = await next;
    assert.equal(stop.body.reason, 'data breakpoint');
    assert.equal(stop.body.description, description);
    assert.deepEqual(stop.body.hitBreakpointIds, [set.body.breakpoints[0].id]);
    assert.equal((await dc.topFrame(stop.body.threadId)).name, 'bump');
    assert.equal(await valueAt(dc, stop.body.threadId, 'counter'), value, 'the new value is there');
  }

  // A read: `limit` is only read, by the loop's test in main.
  const limit = await dc.dataBreakpointInfoRequest({ name: 'limit' });
  await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: limit.body.dataId!, accessType: 'read' }] });
  let next = dc.nextStop();
  await dc.continueRequest({ threadId });
  stop = await next;
  assert.equal(stop.body.reason, 'data breakpoint');
  assert.equal((await dc.topFrame(stop.body.threadId)).name, 'main');
  assert.equal(stop.body.description, 'limit = 6');

  // `total` as the Variables view shows it, watched for any access.
  const frame = await dc.topFrame(stop.body.threadId);
  const locals = await dc.scopesRequest({ frameId: frame.id });
  const localsRef = locals.body.scopes.find((s) => s.name === 'Locals')!.variablesReference;
  assert.equal(find(await dc.children(localsRef), 'total').value, '3', 'bump(2)');
  const total = await dc.dataBreakpointInfoRequest({ variablesReference: localsRef, name: 'total' });
  assert.ok(total.body.dataId, total.body.description);
  const both = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: total.body.dataId!, accessType: 'readWrite' }] });
  assert.equal(both.body.breakpoints[0].verified, true, both.body.breakpoints[0].message);
  next = dc.nextStop();
  await dc.continueRequest({ threadId });
  stop = await next;
  assert.equal(stop.body.reason, 'data breakpoint');
  assert.equal(await valueAt(dc, stop.body.threadId, 'total'), '6', 'total = bump(3)');

  // What cannot be watched says why; a dataId of somebody else's is refused.
  const notMemory = await dc.dataBreakpointInfoRequest({ name: 'counter + 1' });
  assert.equal(notMemory.body.dataId, null);
  assert.match(notMemory.body.description, /'counter \+ 1' cannot be watched/);
  const foreign = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: 'nonsense' }] });
  assert.equal(foreign.body.breakpoints[0].verified, false);
  assert.match(foreign.body.breakpoints[0].message ?? '', /dataId 'nonsense'/);

  // A condition: only the writes that make it true stop.
  await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write', condition: 'counter > 12' }] });
  next = dc.nextStop();
  await dc.continueRequest({ threadId });
  stop = await next;
  assert.equal(stop.body.reason, 'data breakpoint');
  assert.equal(stop.body.description, 'counter: 10 → 15');

  // With none left, the program runs to its end.
  await dc.setDataBreakpointsRequest({ breakpoints: [] });
  const exited = dc.eventSeen('exited');
  await dc.continueRequest({ threadId });
  assert.equal((await exited).body.exitCode, 0);
  await dc.outputContains('counter: total=21 counter=21');
});

test('a data breakpoint, a logpoint and a hit condition still work in a restored snapshot', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: counter, snapshotDir: path.join(programs.dir, 'snapshots-kinds') }, [{ file: 'counter.c', marker: 'START' }]);
  const saved = (await dc.customRequest(Requests.saveSnapshot, {})).body as SaveSnapshotResult;
  const info = await dc.dataBreakpointInfoRequest({ name: 'counter' });
  await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write', hitCondition: '2' }] });
  await dc.setBreakpointsRequest({ source: source(), breakpoints: [{ line: lineOf('counter.c', 'BUMP'), logMessage: 'bump {step}' }] });
  // A snapshot with all of them set: they stay out of the engine's way and come back.
  const second = (await dc.customRequest(Requests.saveSnapshot, {})).body as SaveSnapshotResult;
  assert.equal(second.snapshot.processes, 1);

  const runToWatch = async (threadId: number): Promise<void> => {
    const next = dc.nextStop();
    await dc.continueRequest({ threadId });
    const s = await next;
    assert.equal(s.body.reason, 'data breakpoint');
    assert.equal(await valueAt(dc, s.body.threadId, 'counter'), '3', 'the second write');
  };
  await runToWatch(stop.body.threadId);

  const restored = dc.nextStop();
  await dc.customRequest(Requests.restoreSnapshot, { id: saved.snapshot.id });
  const back = await restored;
  assert.equal(back.body.reason, 'restore');
  assert.equal(await valueAt(dc, back.body.threadId, 'counter'), '0');
  // Counted again from the restore: the second write stops.
  await runToWatch(back.body.threadId);
  const logged = dc.outputs.filter((o) => o.body.category === 'console' && /^bump \d/.test(o.body.output)).map((o) => o.body.output);
  assert.deepEqual(logged, ['bump 1\n', 'bump 2\n', 'bump 1\n', 'bump 2\n']);
});

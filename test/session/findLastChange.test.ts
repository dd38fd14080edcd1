/**
 * Find Last Change and Find First with real gdb and the real engine: one
 * snapshot at the first round of a loop, the program six rounds further; the
 * last change of a global, a local, a struct field and a heap cell through a
 * pointer is found by re-execution with a watchpoint and the program stops
 * there; bad input, no change and a running program are clear errors that
 * leave the program where it was.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { Requests, TravelRequests } from '../../adapter/protocol';
import type { FindLastChangeResult } from '../../adapter/protocol';
import { Programs, TestClient, lineOf, startClient } from '../fixtures/dapHarness';
import type { Stop } from '../fixtures/dapHarness';
import type { DebugProtocol } from '@vscode/debugprotocol';

const programs = new Programs();
let changes: string;
let spin: string;

before(() => {
  changes = programs.build('changes');
  spin = programs.build('spin');
});
after(() => programs.dispose());

async function resumeAndStop(dc: TestClient, resume: () => Promise<unknown>): Promise<Stop> {
  const next = dc.nextStop();
  await resume();
  return next;
}

/** The loop's round and the top frame's line where the program stands. */
async function where(dc: TestClient, stop: Stop): Promise<{ round: string; line: number }> {
  const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
  const round = (await dc.evaluateRequest({ expression: 'round', frameId: frames[0].id })).body.result;
  return { round, line: frames[0].line };
}

async function evaluate(dc: TestClient, stop: Stop, expression: string): Promise<string> {
  const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
  return (await dc.evaluateRequest({ expression, frameId: frames[0].id })).body.result;
}

/** Launches, saves a snapshot at round 1 and continues to the LOOP line of round `rounds`. */
async function atRound(dc: TestClient, name: string, rounds: number): Promise<Stop> {
  let stop = await dc.launchAndStop({ program: changes, snapshotDir: path.join(programs.dir, `snapshots-${name}`) }, [{ file: 'changes.c', marker: 'LOOP' }]);
  await dc.customRequest(Requests.saveSnapshot, { label: 'round 1' });
  for (let i = 1; i < rounds; i++) stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
  assert.equal((await where(dc, stop)).round, String(rounds));
  return stop;
}

async function findLastChange(dc: TestClient, expression: string, frameId?: number): Promise<{ stop: Stop; result: FindLastChangeResult }> {
  const next = dc.nextStop();
  const response = await dc.customRequest(TravelRequests.findLastChange, { expression, frameId });
  return { stop: await next, result: response.body as FindLastChangeResult };
}

/** The line after a change: the watchpoint stops after the instruction that wrote. */
function nearLine(line: number, marker: string): boolean {
  const at = lineOf('changes.c', marker);
  return line === at || line === at + 1;
}

test('Find Last Change on a local, a struct field, a heap cell through a pointer and a global', async (t) => {
  const dc = await startClient(t);
  dc.clientCapabilities = { supportsProgressReporting: true };
  const progress: DebugProtocol.Event[] = [];
  for (const name of ['progressStart', 'progressUpdate', 'progressEnd']) dc.on(name, (e: DebugProtocol.Event) => progress.push(e));
  let stop = await atRound(dc, 'kinds', 6);
  const stderrBefore = dc.outputText('stderr');

  let found = await findLastChange(dc, 'local');
  const start = progress.find((e) => e.event === 'progressStart' && /last change of local/.test(e.body.title));
  assert.ok(start, 'a progress for the search');
  assert.equal(start.body.cancellable, true);
  assert.ok(progress.some((e) => e.event === 'progressUpdate' && e.body.progressId === start.body.progressId));
  assert.equal(progress.find((e) => e.event === 'progressEnd' && e.body.progressId === start.body.progressId)?.body.message, 'local: 6 → 12');
  assert.equal(found.stop.body.reason, 'data breakpoint');
  assert.equal(found.stop.body.description, 'local: 6 → 12');
  assert.deepEqual(found.result, { description: 'local: 6 → 12', old: '6', value: '12' });
  stop = found.stop;
  let here = await where(dc, stop);
  assert.equal(here.round, '6');
  assert.ok(nearLine(here.line, 'LOCAL'), `stopped at line ${here.line}`);
  assert.equal(await evaluate(dc, stop, 'local'), '12');

  found = await findLastChange(dc, 'origin.y');
  assert.equal(found.stop.body.description, 'origin.y: 0 → 9');
  stop = found.stop;
  here = await where(dc, stop);
  assert.equal(here.round, '4');
  assert.ok(nearLine(here.line, 'FIELD'), `stopped at line ${here.line}`);

  found = await findLastChange(dc, '*cell');
  assert.equal(found.stop.body.description, '*cell: 7 → 42');
  stop = found.stop;
  assert.equal((await where(dc, stop)).round, '2');
  assert.equal(await evaluate(dc, stop, 'local'), '2', 'round 2 added to local before');

  // limit changes in round 3, after this moment: not before it.
  const back = dc.nextStop();
  await assert.rejects(dc.customRequest(TravelRequests.findLastChange, { expression: 'limit' }), /'limit' did not change since stop 1.*it is 200/);
  stop = await back;
  assert.equal((await where(dc, stop)).round, '2', 'back where the search began');
  assert.equal(await evaluate(dc, stop, '*cell'), '42');

  assert.equal(dc.outputText('stderr'), stderrBefore, 'what was re-executed is not shown again');
});

test('Find Last Change on a global and on an expression not in memory, then forward and back again', async (t) => {
  const dc = await startClient(t);
  let stop = await atRound(dc, 'global', 6);
  const found = await findLastChange(dc, 'limit');
  assert.equal(found.stop.body.description, 'limit: 200 → -546');
  stop = found.stop;
  assert.equal((await where(dc, stop)).round, '3');
  assert.equal(await evaluate(dc, stop, 'limit'), '-546');
  // An expression not in memory of its own: gdb watches it as an expression.
  stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
  stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
  assert.equal((await where(dc, stop)).round, '4');
  const sum = await findLastChange(dc, 'limit * 2 + origin.y');
  assert.equal(sum.stop.body.description, 'limit * 2 + origin.y: -1092 → -1083');
  stop = sum.stop;
  assert.equal((await where(dc, stop)).round, '4');
  assert.equal(await evaluate(dc, stop, 'origin.y'), '9');
  // Forward from the change: the breakpoint of round 4, then Step Back to the change again.
  stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await where(dc, stop), { round: '4', line: lineOf('changes.c', 'LOOP') });
  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  assert.equal(stop.body.description, 'limit * 2 + origin.y: -1092 → -1083');
  assert.equal((await where(dc, stop)).round, '4');
});

test('Find First: the first moment a condition held', async (t) => {
  const dc = await startClient(t);
  let stop = await atRound(dc, 'first', 6);
  const next = dc.nextStop();
  const response = await dc.customRequest(TravelRequests.findFirst, { condition: 'origin.y > 5' });
  stop = await next;
  assert.equal(stop.body.reason, 'data breakpoint');
  assert.match((response.body as { description: string }).description, /origin\.y > 5: (0|false) → (1|true)/);
  assert.equal((await where(dc, stop)).round, '4');
  await assert.rejects(dc.customRequest(TravelRequests.findFirst, { condition: 'nosuchvar > 1' }), /'nosuchvar > 1' cannot be evaluated.*nosuchvar/);
});

test('Find Last Change: bad input and a running program are clear errors; the program stays', async (t) => {
  const dc = await startClient(t);
  const stop = await atRound(dc, 'errors', 3);
  const stops = dc.events.filter((e) => e.event === 'stopped').length;
  await assert.rejects(dc.customRequest(TravelRequests.findLastChange, { expression: 'nosuchvar' }), /'nosuchvar' cannot be evaluated.*nosuchvar/);
  await assert.rejects(dc.customRequest(TravelRequests.findLastChange, {}), /"expression" must be a non-empty string/);
  await assert.rejects(dc.customRequest(TravelRequests.findLastChange, { expression: 'limit', frameId: 'top' }), /"frameId" must be a frame id/);
  assert.equal(dc.events.filter((e) => e.event === 'stopped').length, stops, 'no stop: the program was not touched');
  assert.deepEqual(await where(dc, stop), { round: '3', line: lineOf('changes.c', 'LOOP') });

});

test('Find Last Change while the program runs: a clear error', async (t) => {
  const dc = await startClient(t);
  await dc.launchAndStop({ program: spin, snapshotDir: path.join(programs.dir, 'snapshots-running'), stopOnEntry: true });
  await dc.continueRequest({ threadId: 1 });
  await dc.outputContains('spin: running');
  await assert.rejects(dc.customRequest(TravelRequests.findLastChange, { expression: 'rounds' }), /needs the program stopped: pause it first/);
});

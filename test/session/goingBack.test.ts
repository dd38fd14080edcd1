/**
 * Going back to earlier stops with real gdb and the real engine: one snapshot
 * at the first stop, then Reverse Continue and Step Back land on the stop
 * before (re-executed from the snapshot), not on the snapshot; the program's
 * output is not shown twice.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Requests } from '../../adapter/protocol';
import type { ListSnapshotsResult } from '../../adapter/protocol';
import { Programs, TestClient, lineOf, sourceOf, startClient } from '../fixtures/dapHarness';
import type { Stop } from '../fixtures/dapHarness';

const programs = new Programs();
let travel: string;

before(() => { travel = programs.build('travel'); });
after(() => programs.dispose());

function snapshotDir(name: string): string {
  return path.join(programs.dir, `snapshots-${name}`);
}

/** `round` and `value` as the stopped thread's frames see them (main is the last frame). */
async function state(dc: TestClient, stop: Stop): Promise<{ line: number; round: string; value: string }> {
  const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
  const main = frames.find((f) => f.name === 'main')!;
  const round = (await dc.scopeVariables(main.id, 'Locals')).find((v) => v.name === 'round')!.value;
  const value = (await dc.evaluateRequest({ expression: 'value', frameId: frames[0].id })).body.result;
  return { line: frames[0].line, round, value };
}

async function resumeAndStop(dc: TestClient, resume: () => Promise<unknown>): Promise<Stop> {
  const next = dc.nextStop();
  await resume();
  return next;
}

function rounds(n: number): string {
  return Array.from({ length: n }, (_, i) => `round ${i + 1}\n`).join('');
}

test('Reverse Continue goes to the previous breakpoint hit, not to the snapshot', async (t) => {
  const dc = await startClient(t);
  const capable = dc.eventSeen('capabilities', (e) => e.body.capabilities.supportsStepBack === true);
  let stop = await dc.launchAndStop({ program: travel, snapshotDir: snapshotDir('reverse') }, [{ file: 'travel.c', marker: 'LOOP' }]);
  await dc.customRequest(Requests.saveSnapshot, { label: 'first hit' });
  await capable;
  for (let i = 0; i < 4; i++) stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await state(dc, stop), { line: lineOf('travel.c', 'LOOP'), round: '5', value: '17' });
  await dc.outputContains(rounds(4), 'stderr');

  stop = await resumeAndStop(dc, () => dc.reverseContinueRequest({ threadId: stop.body.threadId }));
  assert.equal(stop.body.reason, 'breakpoint');
  assert.deepEqual(await state(dc, stop), { line: lineOf('travel.c', 'LOOP'), round: '4', value: '10' });
  stop = await resumeAndStop(dc, () => dc.reverseContinueRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await state(dc, stop), { line: lineOf('travel.c', 'LOOP'), round: '3', value: '5' });
  assert.equal(dc.outputText('stderr'), rounds(4), 'what was re-executed is not shown again');
  assert.equal(dc.events.filter((e) => e.event === 'stopped').length, 7, 'one stop per request, none from the re-execution');

  // Forward again from round 3: the program runs on from there.
  stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await state(dc, stop), { line: lineOf('travel.c', 'LOOP'), round: '4', value: '10' });
  assert.equal(dc.outputText('stderr'), rounds(4) + 'round 3\n');
});

test('Step Back after two Step Overs lands on the line before', async (t) => {
  const dc = await startClient(t);
  let stop = await dc.launchAndStop({ program: travel, snapshotDir: snapshotDir('step-back') }, [{ file: 'travel.c', marker: 'LOOP' }]);
  await dc.customRequest(Requests.saveSnapshot, {});
  stop = await resumeAndStop(dc, () => dc.nextRequest({ threadId: stop.body.threadId }));
  stop = await resumeAndStop(dc, () => dc.nextRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await state(dc, stop), { line: lineOf('travel.c', 'AFTER'), round: '1', value: '1' });
  await dc.outputContains('round 1\n', 'stderr');

  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  assert.equal(stop.body.reason, 'step');
  assert.deepEqual(await state(dc, stop), { line: lineOf('travel.c', 'PRINT'), round: '1', value: '1' });
  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await state(dc, stop), { line: lineOf('travel.c', 'LOOP'), round: '1', value: '0' });
  await assert.rejects(dc.stepBackRequest({ threadId: stop.body.threadId }), /no earlier/);
  assert.equal(dc.outputText('stderr'), 'round 1\n', 'the line printed once');

  // Forward by steps again: the same lines as the first time.
  stop = await resumeAndStop(dc, () => dc.nextRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await state(dc, stop), { line: lineOf('travel.c', 'PRINT'), round: '1', value: '1' });
});

test('Step Back over Step In and Step Out: back into the callee, then to the call', async (t) => {
  const dc = await startClient(t);
  let stop = await dc.launchAndStop({ program: travel, snapshotDir: snapshotDir('in-out') }, [{ file: 'travel.c', marker: 'LOOP' }]);
  await dc.customRequest(Requests.saveSnapshot, {});
  stop = await resumeAndStop(dc, () => dc.stepInRequest({ threadId: stop.body.threadId }));
  const inside = await dc.topFrame(stop.body.threadId);
  assert.deepEqual([inside.name, inside.line], ['square', lineOf('travel.c', 'SQUARE')]);
  stop = await resumeAndStop(dc, () => dc.stepOutRequest({ threadId: stop.body.threadId }));
  assert.equal((await dc.topFrame(stop.body.threadId)).name, 'main');

  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  const back = await dc.topFrame(stop.body.threadId);
  assert.deepEqual([back.name, back.line, back.instructionPointerReference], ['square', inside.line, inside.instructionPointerReference]);
  assert.equal((await dc.scopeVariables(back.id, 'Arguments'))[0].value, '1');
  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await state(dc, stop), { line: lineOf('travel.c', 'LOOP'), round: '1', value: '0' });
});

test('a breakpoint with a hit condition: going back counts the hits it skipped', async (t) => {
  const dc = await startClient(t);
  let stop = await dc.launchAndStop({ program: travel, snapshotDir: snapshotDir('hit-condition') }, [{ file: 'travel.c', marker: 'LOOP', hitCondition: '% 2' }]);
  assert.equal((await state(dc, stop)).round, '2');
  await dc.customRequest(Requests.saveSnapshot, {});
  for (let i = 0; i < 2; i++) stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
  assert.equal((await state(dc, stop)).round, '6');
  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await state(dc, stop), { line: lineOf('travel.c', 'LOOP'), round: '4', value: '10' }, 'the second hit of the line, not the first');
  assert.equal(dc.outputText('stderr'), rounds(5));
});

test('Reverse Continue finds a breakpoint set after the fact', async (t) => {
  const dc = await startClient(t);
  const source = { path: sourceOf('travel.c') };
  let stop = await dc.launchAndStop({ program: travel, snapshotDir: snapshotDir('after-the-fact') }, [{ file: 'travel.c', marker: 'LOOP' }]);
  await dc.customRequest(Requests.saveSnapshot, {});
  await dc.setBreakpointsRequest({ source, breakpoints: [{ line: lineOf('travel.c', 'END') }] });
  stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
  assert.equal((await dc.topFrame(stop.body.threadId)).line, lineOf('travel.c', 'END'));
  await dc.outputContains(rounds(8), 'stderr');

  // square() was never stopped in: its last call (round 8) is found by re-executing.
  await dc.setBreakpointsRequest({ source, breakpoints: [{ line: lineOf('travel.c', 'SQUARE') }, { line: lineOf('travel.c', 'END') }] });
  stop = await resumeAndStop(dc, () => dc.reverseContinueRequest({ threadId: stop.body.threadId }));
  assert.equal(stop.body.reason, 'breakpoint');
  const frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.name, 'square');
  assert.equal(frame.line, lineOf('travel.c', 'SQUARE'));
  assert.equal((await dc.scopeVariables(frame.id, 'Arguments'))[0].value, '8');
  stop = await resumeAndStop(dc, () => dc.reverseContinueRequest({ threadId: stop.body.threadId }));
  assert.equal((await dc.scopeVariables((await dc.topFrame(stop.body.threadId)).id, 'Arguments'))[0].value, '7');
  assert.equal(dc.outputText('stderr'), rounds(8), 'nothing printed twice');
});

test('Step Back by instruction lands one instruction before, and one step forward comes back', async (t) => {
  const dc = await startClient(t);
  let stop = await dc.launchAndStop({ program: travel, snapshotDir: snapshotDir('instruction') }, [{ file: 'travel.c', marker: 'LOOP' }]);
  await dc.customRequest(Requests.saveSnapshot, {});
  stop = await resumeAndStop(dc, () => dc.nextRequest({ threadId: stop.body.threadId }));
  const at = await dc.topFrame(stop.body.threadId);
  assert.equal(at.line, lineOf('travel.c', 'PRINT'));

  // The store of square()'s result, the last instruction of the line before.
  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId, granularity: 'instruction' }));
  const before = await dc.topFrame(stop.body.threadId);
  assert.deepEqual([before.name, before.line], ['main', lineOf('travel.c', 'LOOP')]);
  assert.notEqual(before.instructionPointerReference, at.instructionPointerReference);
  assert.equal((await dc.evaluateRequest({ expression: 'value', frameId: before.id })).body.result, '0', 'not stored yet');
  // One more: the return from square().
  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId, granularity: 'instruction' }));
  assert.equal((await dc.topFrame(stop.body.threadId)).name, 'square');

  stop = await resumeAndStop(dc, () => dc.nextRequest({ threadId: stop.body.threadId, granularity: 'instruction' }));
  assert.equal((await dc.topFrame(stop.body.threadId)).instructionPointerReference, before.instructionPointerReference);
  stop = await resumeAndStop(dc, () => dc.nextRequest({ threadId: stop.body.threadId, granularity: 'instruction' }));
  const again = await dc.topFrame(stop.body.threadId);
  assert.equal(again.instructionPointerReference, at.instructionPointerReference, 'forward again: where it was');
  assert.equal((await dc.evaluateRequest({ expression: 'value', frameId: again.id })).body.result, '1');
  assert.equal(dc.outputText('stderr'), '');
});

test('landmarks without asking: every N stops, bounded, and going back re-executes from the nearest', async (t) => {
  const dc = await startClient(t);
  const capable = dc.eventSeen('capabilities', (e) => e.body.capabilities.supportsStepBack === true);
  let stop = await dc.launchAndStop(
    { program: travel, snapshotDir: snapshotDir('landmarks'), autoSnapshot: { landmarkEvery: 2, maxLandmarks: 3 } },
    [{ file: 'travel.c', marker: 'LOOP' }],
  );
  await capable;
  for (let i = 0; i < 7; i++) stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
  assert.equal((await state(dc, stop)).round, '8');
  const list = (await dc.customRequest(Requests.listSnapshots, {})).body as ListSnapshotsResult;
  assert.deepEqual(list.snapshots.map((s) => s.label), ['auto: landmark', 'auto: landmark', 'auto: landmark'], 'stops 1, 3, 5, 7 had one; the bound keeps three');

  stop = await resumeAndStop(dc, () => dc.reverseContinueRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await state(dc, stop), { line: lineOf('travel.c', 'LOOP'), round: '7', value: '37' });
  // Round 2 is before every kept landmark but the first: reached from the first.
  for (let i = 0; i < 5; i++) stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await state(dc, stop), { line: lineOf('travel.c', 'LOOP'), round: '2', value: '2' });
  assert.equal(dc.outputText('stderr'), rounds(7));
});

test('a bad landmark setting fails the launch, naming it', async (t) => {
  const dc = await startClient(t);
  await assert.rejects(
    Promise.all([dc.configurationSequence(), dc.launch({ program: travel, snapshotDir: snapshotDir('bad'), autoSnapshot: { landmarkEvery: -1 } })]),
    /"autoSnapshot.landmarkEvery" must be a whole number/,
  );
});

test('a re-execution that goes another way says where it diverged and stops there', async (t) => {
  const diverge = programs.build('diverge');
  const flagFile = path.join(programs.dir, 'flag');
  fs.writeFileSync(flagFile, '1\n');
  const dc = await startClient(t);
  let stop = await dc.launchAndStop({ program: diverge, args: [flagFile], snapshotDir: snapshotDir('diverge') }, [{ file: 'diverge.c', marker: 'START' }]);
  await dc.customRequest(Requests.saveSnapshot, {});
  for (let i = 0; i < 3; i++) stop = await resumeAndStop(dc, () => dc.nextRequest({ threadId: stop.body.threadId }));
  assert.equal((await dc.topFrame(stop.body.threadId)).line, lineOf('diverge.c', 'END'));

  // The file the branch reads says otherwise now: the replay of the second Step Over lands on the else branch.
  fs.writeFileSync(flagFile, '0\n');
  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  assert.equal((await dc.topFrame(stop.body.threadId)).line, lineOf('diverge.c', 'NO'), 'it stands where the re-execution went');
  await dc.outputContains('diverged', 'console');
  assert.match(dc.outputText('console'), new RegExp(`Step Over ended at main \\(diverge\\.c:${lineOf('diverge.c', 'NO')}.*not at main \\(diverge\\.c:${lineOf('diverge.c', 'YES')}`));
});

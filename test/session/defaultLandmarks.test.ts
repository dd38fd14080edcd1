/**
 * The adapter's own landmarks without any setting, with real gdb and the real
 * engine: one at the first stop and one every 20 stops, shown as automatic
 * snapshots; going back re-executes from the nearest. `"autoSnapshot": false`
 * and `"landmarkEvery": 0` take none.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { Requests } from '../../adapter/protocol';
import type { ListSnapshotsResult } from '../../adapter/protocol';
import { Programs, TestClient, lineOf, startClient } from '../fixtures/dapHarness';
import type { Stop } from '../fixtures/dapHarness';

const programs = new Programs();
let changes: string;
let spin: string;

before(() => {
  changes = programs.build('changes');
  spin = programs.build('spin');
});
after(() => programs.dispose());

async function round(dc: TestClient, stop: Stop): Promise<number> {
  const frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.line, lineOf('changes.c', 'LOOP'));
  return Number((await dc.evaluateRequest({ expression: 'round', frameId: frame.id })).body.result);
}

async function resumeAndStop(dc: TestClient, resume: () => Promise<unknown>): Promise<Stop> {
  const next = dc.nextStop();
  await resume();
  return next;
}

async function labels(dc: TestClient): Promise<string[]> {
  return ((await dc.customRequest(Requests.listSnapshots, {})).body as ListSnapshotsResult).snapshots.map((s) => s.label ?? '');
}

function rounds(from: number, to: number): string {
  return Array.from({ length: to - from + 1 }, (_, i) => `round ${from + i}\n`).join('');
}

test('without a setting: a landmark at the first stop and every 20 stops, and going back re-executes from the nearest', async (t) => {
  const dc = await startClient(t);
  let stop = await dc.launchAndStop({ program: changes, snapshotDir: path.join(programs.dir, 'snapshots-default') }, [{ file: 'changes.c', marker: 'LOOP' }]);
  for (let i = 0; i < 24; i++) stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
  assert.equal(await round(dc, stop), 25);
  assert.deepEqual(await labels(dc), ['auto: landmark', 'auto: landmark'], 'stops 1 and 21');
  await dc.outputContains(rounds(1, 24), 'stderr');

  stop = await resumeAndStop(dc, () => dc.reverseContinueRequest({ threadId: stop.body.threadId }));
  assert.equal(await round(dc, stop), 24);
  assert.match(String(stop.body.description), /re-executed from snapshot 2\b/, 'from the landmark of stop 21');
  for (let i = 0; i < 4; i++) stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  assert.equal(await round(dc, stop), 20);
  assert.match(String(stop.body.description), /re-executed from snapshot 1\b/, 'before stop 21: from the first landmark');
  assert.equal(dc.outputText('stderr'), rounds(1, 24), 'nothing printed twice');
  assert.doesNotMatch(dc.outputText('console'), /diverged/);
});

for (const [name, autoSnapshot] of [['"autoSnapshot": false', false], ['"landmarkEvery": 0', { landmarkEvery: 0 }]] as const) {
  test(`${name} takes no landmark: nothing to go back to`, async (t) => {
    const dc = await startClient(t);
    let stop = await dc.launchAndStop({ program: changes, snapshotDir: path.join(programs.dir, `snapshots-${name.length}`), autoSnapshot }, [{ file: 'changes.c', marker: 'LOOP' }]);
    for (let i = 0; i < 3; i++) stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
    assert.equal(await round(dc, stop), 4);
    assert.deepEqual(await labels(dc), []);
    await assert.rejects(dc.stepBackRequest({ threadId: stop.body.threadId }), /There is no snapshot to go back to/);
    assert.equal(await round(dc, stop), 4, 'the program stays where it was');
  });
}

/** spin's rounds at a stop on its SPIN line. */
async function spinRounds(dc: TestClient, stop: Stop): Promise<number> {
  const frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.line, lineOf('spin.c', 'SPIN'));
  return Number((await dc.evaluateRequest({ expression: 'rounds', frameId: frame.id })).body.result);
}

// spin sleeps a millisecond a round: 1500 rounds between two stops are 1.5 s of running or more.
for (const [seconds, expected] of [[1, 3], [0, 1]] as const) {
  test(`"landmarkSeconds": ${seconds}: ${expected === 3 ? 'a landmark at each stop reached after a second of running' : 'landmarks by stops only; going back re-executes to the pass where the breakpoint\'s condition held'}`, async (t) => {
    const dc = await startClient(t);
    const launch = { program: spin, snapshotDir: path.join(programs.dir, `snapshots-seconds-${seconds}`), autoSnapshot: { landmarkEvery: 100, landmarkSeconds: seconds } };
    let stop = await dc.launchAndStop(launch, [{ file: 'spin.c', marker: 'SPIN', condition: 'rounds % 1500 == 0' }]);
    for (let i = 0; i < 2; i++) stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
    assert.equal(await spinRounds(dc, stop), 3000);
    assert.deepEqual(await labels(dc), Array(expected).fill('auto: landmark'));
    stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
    assert.equal(await spinRounds(dc, stop), 1500, 'back at the stop before');
    if (seconds > 0) assert.doesNotMatch(String(stop.body.description), /re-executed/, 'restored at its own landmark, nothing re-executed');
    else assert.match(String(stop.body.description), /re-executed from snapshot/);
  });
}

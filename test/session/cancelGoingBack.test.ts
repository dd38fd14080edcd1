/**
 * DAP `cancel` of going back and of Find Last Change, with real gdb and the
 * real engine: the client cancels as soon as the progress starts (while the
 * snapshot is being restored); the work stops at a stop of the timeline,
 * shows the program there, and the request fails with 'cancelled'.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Requests, TravelRequests } from '../../adapter/protocol';
import { Programs, TestClient, lineOf, startClient } from '../fixtures/dapHarness';
import type { Stop } from '../fixtures/dapHarness';

const programs = new Programs();
let changes: string;

before(() => { changes = programs.build('changes'); });
after(() => programs.dispose());

async function round(dc: TestClient, stop: Stop): Promise<string> {
  const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
  return (await dc.evaluateRequest({ expression: 'round', frameId: frames[0].id })).body.result;
}

/** A snapshot at round 1, then Continues to the LOOP line of round `rounds`. */
async function atRound(dc: TestClient, name: string, rounds: number): Promise<Stop> {
  dc.clientCapabilities = { supportsProgressReporting: true };
  let stop = await dc.launchAndStop({ program: changes, snapshotDir: path.join(programs.dir, `snapshots-${name}`) }, [{ file: 'changes.c', marker: 'LOOP' }]);
  await dc.customRequest(Requests.saveSnapshot, { label: 'round 1' });
  for (let i = 1; i < rounds; i++) {
    const next = dc.nextStop();
    await dc.continueRequest({ threadId: stop.body.threadId });
    stop = await next;
  }
  return stop;
}

/** Cancels the next progress whose title matches, as soon as it starts. */
function cancelWhenStarted(dc: TestClient, title: RegExp): Promise<DebugProtocol.ProgressStartEvent> {
  return new Promise((resolve) => {
    const listener = (e: DebugProtocol.ProgressStartEvent): void => {
      if (!title.test(e.body.title)) return;
      dc.removeListener('progressStart', listener);
      assert.equal(e.body.cancellable, true);
      void dc.send('cancel', { progressId: e.body.progressId }).then(() => resolve(e));
    };
    dc.on('progressStart', listener);
  });
}

test('Step Back cancelled: stopped at the landmark, the request fails with cancelled, the program goes on from there', async (t) => {
  const dc = await startClient(t);
  let stop = await atRound(dc, 'step-back', 30);
  assert.equal(await round(dc, stop), '30');
  const ended = new Promise<DebugProtocol.ProgressEndEvent>((resolve) => dc.once('progressEnd', resolve));
  const cancelled = cancelWhenStarted(dc, /Stepping back/);
  const shown = dc.nextStop();
  await assert.rejects(dc.stepBackRequest({ threadId: stop.body.threadId }), /^Error: cancelled$/);
  await cancelled;
  stop = await shown;
  // The replay began from the adapter's own landmark of stop 21 (one every 20 stops), the latest before.
  assert.match(String(stop.body.description), /Going back cancelled at stop 21\b/);
  assert.equal(await round(dc, stop), '21', 'at the landmark the replay began from');
  assert.equal((await ended).body.message, 'Failed: cancelled');
  const next = dc.nextStop();
  await dc.continueRequest({ threadId: stop.body.threadId });
  stop = await next;
  assert.equal(await round(dc, stop), '22');
  assert.equal((await dc.topFrame(stop.body.threadId)).line, lineOf('changes.c', 'LOOP'));
});

test('Find Last Change cancelled: back at the stop it began at', async (t) => {
  const dc = await startClient(t);
  let stop = await atRound(dc, 'find', 30);
  const cancelled = cancelWhenStarted(dc, /last change of local/);
  const shown = dc.nextStop();
  await assert.rejects(dc.customRequest(TravelRequests.findLastChange, { expression: 'local' }), /^Error: cancelled$/);
  await cancelled;
  stop = await shown;
  assert.equal(await round(dc, stop), '30');
  // Not cancelled, the same search finds the change.
  const found = dc.nextStop();
  await dc.customRequest(TravelRequests.findLastChange, { expression: 'local' });
  stop = await found;
  assert.equal(stop.body.description, 'local: 210 → 240');
});

test('cancel of a progress that is over, or unknown: answered, nothing happens', async (t) => {
  const dc = await startClient(t);
  const stop = await atRound(dc, 'unknown', 2);
  await dc.send('cancel', { progressId: 'ckpt-999' });
  assert.equal(await round(dc, stop), '2');
});

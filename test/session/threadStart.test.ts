/**
 * A thread that a snapshot catches between its creation and the engine's
 * registration of it (still in glibc's start of a thread, before the engine's
 * own start routine, `trampoline` in native/lib/threads.c) is registered by the
 * engine's leader on its behalf. Once it has gone on through that start
 * routine, the next snapshot must find it in the one slot it parks in: two
 * slots for one thread made that snapshot wait for it in vain ("did not stop
 * within 5 s"). On a busy machine any new thread can be caught there; a
 * breakpoint in that routine catches one every time.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { Requests } from '../../adapter/protocol';
import type { SaveSnapshotResult } from '../../adapter/protocol';
import { PROGRAMS_DIR as PROGRAMS, Programs, lineOf, startClient } from '../fixtures/dapHarness';
import type { Stop, TestClient } from '../fixtures/dapHarness';

const programs = new Programs();
let threads: string;

before(() => { threads = programs.build('threads'); });
after(() => programs.dispose());

async function save(dc: TestClient, label: string): Promise<string> {
  const saved = (await dc.customRequest(Requests.saveSnapshot, { label })).body as SaveSnapshotResult;
  return saved.snapshot.id;
}

async function inStartRoutine(dc: TestClient): Promise<boolean> {
  for (const th of (await dc.threadsRequest()).body.threads) {
    if ((await dc.topFrame(th.id)).name === 'trampoline') return true;
  }
  return false;
}

/** Runs on, from the engine's start routine, to main's #ALL_STARTED (every worker registered). */
async function continueToAllStarted(dc: TestClient, stop: Stop): Promise<Stop> {
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  await dc.setBreakpointsRequest({ source: { path: path.join(PROGRAMS, 'threads.c') }, breakpoints: [{ line: lineOf('threads.c', 'ALL_STARTED') }] });
  const next = dc.nextStop();
  await dc.continueRequest({ threadId: stop.body.threadId });
  const at = await next;
  const frame = await dc.topFrame(at.body.threadId);
  assert.equal(frame.line, lineOf('threads.c', 'ALL_STARTED'));
  return at;
}

test('a thread saved before the engine registered it is saved again once it has, also after a restore', { timeout: 300000 }, async (t) => {
  const dc = await startClient(t);
  const dir = path.join(programs.dir, 'snapshots');
  let stop = await dc.launchAndStop({ program: threads, snapshotDir: dir }, [], ['trampoline']);
  assert.ok(await inStartRoutine(dc), 'a new thread stands in the engine\'s start routine');
  const early = await save(dc, 'a thread not registered yet');

  stop = await continueToAllStarted(dc, stop);
  assert.equal((await dc.threadsRequest()).body.threads.length, 4);
  await save(dc, 'every thread registered');

  const restored = dc.nextStop();
  await dc.customRequest(Requests.restoreSnapshot, { id: early });
  stop = await restored;
  assert.ok(await inStartRoutine(dc), 'a thread is back in the start routine');
  stop = await continueToAllStarted(dc, stop);
  await save(dc, 'registered after a restore');

  await dc.setBreakpointsRequest({ source: { path: path.join(PROGRAMS, 'threads.c') }, breakpoints: [] });
  const exited = dc.eventSeen('exited');
  await dc.continueRequest({ threadId: stop.body.threadId });
  assert.equal((await exited).body.exitCode, 0);
  await dc.outputContains('threads: done, 3 workers');
});

/**
 * DAP conventions editors rely on: `exceptionInfo` for a crash (signal,
 * meaning, faulting address), `invalidated` after a jump in time, and
 * `progressStart`/`progressEnd` around saving, restoring and going back, sent
 * only to a client that said it handles them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Requests } from '../../adapter/protocol';
import type { SaveSnapshotResult } from '../../adapter/protocol';
import { Programs, lineOf, startClient } from '../fixtures/dapHarness';

const programs = new Programs();
let crash: string;
let basic: string;

before(() => {
  crash = programs.build('crash');
  basic = programs.build('basic');
});
after(() => programs.dispose());

test('a NULL dereference: exceptionInfo names the signal, what it means and the address', async (t) => {
  const dc = await startClient(t);
  const init = await dc.initializeRequest();
  assert.equal(init.body?.supportsExceptionInfoRequest, true);
  const stop = await dc.launchAndStop({ program: crash, snapshotDir: path.join(programs.dir, 'snapshots-crash') });
  assert.equal(stop.body.reason, 'exception');
  assert.equal((await dc.topFrame(stop.body.threadId)).line, lineOf('crash.c', 'FAULT'));

  const info = (await dc.exceptionInfoRequest({ threadId: stop.body.threadId })).body;
  assert.equal(info.exceptionId, 'SIGSEGV');
  assert.equal(info.breakMode, 'always');
  assert.equal(info.description, 'Segmentation fault: address not mapped to object at address 0x0');
  assert.equal(info.details?.typeName, 'SIGSEGV');
  assert.equal(info.details?.message, info.description);
});

test('exceptionInfo at a stop that is no signal says so', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: basic, snapshotDir: path.join(programs.dir, 'snapshots-nosignal') }, [{ file: 'basic.c', marker: 'BP1' }]);
  await assert.rejects(dc.exceptionInfoRequest({ threadId: stop.body.threadId }), /not stopped by a signal/);
});

interface Seen { event: string; body: Record<string, unknown> }

function record(dc: Awaited<ReturnType<typeof startClient>>, names: string[]): Seen[] {
  const seen: Seen[] = [];
  for (const name of names) dc.on(name, (e: DebugProtocol.Event) => seen.push({ event: name, body: e.body as Record<string, unknown> }));
  return seen;
}

test('saving, restoring and stepping back report progress; each jump in time invalidates the client\'s views', async (t) => {
  const dc = await startClient(t);
  dc.clientCapabilities = { supportsProgressReporting: true, supportsInvalidatedEvent: true };
  const seen = record(dc, ['progressStart', 'progressUpdate', 'progressEnd', 'invalidated', 'stopped']);
  const stop = await dc.launchAndStop({ program: basic, snapshotDir: path.join(programs.dir, 'snapshots-progress') }, [
    { file: 'basic.c', marker: 'BP1' }, { file: 'basic.c', marker: 'AFTER_CALL' },
  ]);
  assert.deepEqual(seen.filter((s) => s.event !== 'stopped'), [], 'nothing before the first save');
  seen.splice(0);

  const saved = (await dc.customRequest(Requests.saveSnapshot, { label: 'at BP1' })).body as SaveSnapshotResult;
  const [start, end] = seen.splice(0);
  assert.equal(start.event, 'progressStart');
  assert.equal(start.body.title, 'Saving a snapshot');
  assert.equal(start.body.cancellable, false);
  assert.deepEqual(end, { event: 'progressEnd', body: { progressId: start.body.progressId, message: `Saved snapshot ${saved.snapshot.id}` } });

  const arrived = dc.nextStop();
  await dc.continueRequest({ threadId: stop.body.threadId });
  const later = await arrived;
  assert.equal((await dc.topFrame(later.body.threadId)).line, lineOf('basic.c', 'AFTER_CALL'));
  seen.splice(0);

  const restored = dc.eventSeen('invalidated');
  await dc.customRequest(Requests.restoreSnapshot, { id: saved.snapshot.id });
  await restored;
  assert.deepEqual(seen.map((s) => s.event), ['progressStart', 'progressUpdate', 'stopped', 'invalidated', 'progressEnd']);
  assert.equal(seen[0].body.title, `Restoring snapshot ${saved.snapshot.id}`);
  assert.deepEqual(seen[1].body, { progressId: seen[0].body.progressId, message: `At snapshot ${saved.snapshot.id}` });
  assert.equal(seen[2].body.reason, 'restore');
  assert.deepEqual(seen[3].body.areas, ['all']);
  assert.equal(seen[4].body.progressId, seen[0].body.progressId);
  assert.notEqual(seen[4].body.progressId, start.body.progressId, 'each piece of work has its own progress');
  assert.equal((await dc.topFrame(later.body.threadId)).line, lineOf('basic.c', 'BP1'), 'the program is back at BP1');

  // Step Back from the snapshot's own stop: nothing earlier, an error, and the progress says it failed.
  seen.splice(0);
  await assert.rejects(dc.stepBackRequest({ threadId: later.body.threadId }), /no earlier snapshot/);
  assert.deepEqual(seen.map((s) => s.event), ['progressStart', 'progressEnd']);
  assert.match(String(seen[1].body.message), /^Failed: There is no earlier stop to go back to/);

  // Moved on, Step Back goes to the snapshot: a jump in time like any restore.
  const stepped = dc.nextStop();
  await dc.nextRequest({ threadId: later.body.threadId });
  await stepped;
  seen.splice(0);
  const back = dc.eventSeen('invalidated', () => true);
  await dc.stepBackRequest({ threadId: later.body.threadId });
  await back;
  assert.deepEqual(seen.map((s) => s.event), ['progressStart', 'progressUpdate', 'stopped', 'invalidated', 'progressEnd']);
  assert.equal(seen[0].body.title, 'Stepping back');
  assert.equal(seen[1].body.message, `At snapshot ${saved.snapshot.id}`, 'the update names where Step Back went');
});

test('a client that draws no progress and keeps no views gets neither event', async (t) => {
  const dc = await startClient(t);
  const seen = record(dc, ['progressStart', 'progressUpdate', 'progressEnd', 'invalidated']);
  await dc.launchAndStop({ program: basic, snapshotDir: path.join(programs.dir, 'snapshots-plain') }, [{ file: 'basic.c', marker: 'BP1' }]);
  const saved = (await dc.customRequest(Requests.saveSnapshot, {})).body as SaveSnapshotResult;
  const restored = dc.eventSeen('stopped', (e) => e.body.reason === 'restore');
  await dc.customRequest(Requests.restoreSnapshot, { id: saved.snapshot.id });
  await restored;
  assert.deepEqual(seen, []);
});

/**
 * Snapshots looked at without restoring them (`ckpt/inspectSnapshot`: a core
 * file and a gdb of its own), and the DAP `restart` request going back to a
 * snapshot, also one saved by an earlier debug session.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Requests, ViewRequests } from '../../adapter/protocol';
import type { InspectSnapshotResult, SaveSnapshotResult } from '../../adapter/protocol';
import { PROGRAMS_DIR as PROGRAMS, Programs, lineOf, startClient } from '../fixtures/dapHarness';

const programs = new Programs();
let basic: string;
let threads: string;

before(() => {
  basic = programs.build('basic');
  threads = programs.build('threads');
});
after(() => programs.dispose());

function snapshotDir(name: string): string {
  return path.join(programs.dir, `snapshots-${name}`);
}

function viewDirs(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('ckpt-view-'));
}

test('a snapshot is looked at without restoring it; the live program goes on untouched', async (t) => {
  const dc = await startClient(t);
  const source = { path: path.join(PROGRAMS, 'basic.c') };
  const stop = await dc.launchAndStop({ program: basic, snapshotDir: snapshotDir('view') }, [{ file: 'basic.c', marker: 'SQUARE_BODY', condition: 'v == 3' }]);
  const saved = (await dc.customRequest(Requests.saveSnapshot, { label: 'v is 3' })).body as SaveSnapshotResult;

  // On to a later breakpoint: the live program is elsewhere now.
  await dc.setBreakpointsRequest({ source, breakpoints: [{ line: lineOf('basic.c', 'AFTER_CALL') }] });
  const later = dc.nextStop();
  await dc.continueRequest({ threadId: stop.body.threadId });
  const atLater = await later;
  assert.equal((await dc.topFrame(atLater.body.threadId)).line, lineOf('basic.c', 'AFTER_CALL'));

  const before = viewDirs();
  const view = (await dc.customRequest(ViewRequests.inspectSnapshot, { id: saved.snapshot.id })).body as InspectSnapshotResult;
  assert.deepEqual(viewDirs(), before, 'the core files are removed');
  assert.equal(view.id, saved.snapshot.id);
  assert.equal(view.processes.length, 1);
  assert.equal(view.processes[0].threads.length, 1);
  const thread = view.processes[0].threads[0];
  assert.ok(thread.vtid > 0);
  const [top, caller, outer] = thread.frames;
  assert.deepEqual([top.name, top.line], ['square', lineOf('basic.c', 'SQUARE_BODY')], JSON.stringify(thread.frames));
  assert.equal(path.basename(top.file ?? ''), 'basic.c');
  assert.deepEqual([caller.name, caller.line], ['sum_squares', lineOf('basic.c', 'LOOP')]);
  assert.equal(outer.name, 'main');
  // `result` is not assigned yet at the breakpoint; the caller's total (0+1+4) is in its frame.
  assert.ok(thread.locals.some((l) => l.name === 'result'), JSON.stringify(thread.locals));

  // The live program is where it was: its own locals, and it runs to the end.
  const frames = (await dc.stackTraceRequest({ threadId: atLater.body.threadId })).body.stackFrames;
  assert.equal(frames[0].name, 'main');
  const total = (await dc.scopeVariables(frames[0].id, 'Locals')).find((v) => v.name === 'total');
  assert.equal(total?.value, '30');
  await dc.setBreakpointsRequest({ source, breakpoints: [] });
  const exited = dc.eventSeen('exited');
  await dc.continueRequest({ threadId: atLater.body.threadId });
  assert.equal((await exited).body.exitCode, 0);
  await dc.outputContains('basic: total=30 x=30 values[2]=30');
});

test('the earlier local value is the one the snapshot holds', async (t) => {
  const dc = await startClient(t);
  const source = { path: path.join(PROGRAMS, 'basic.c') };
  const stop = await dc.launchAndStop({ program: basic, snapshotDir: snapshotDir('values') }, [{ file: 'basic.c', marker: 'SUM_RETURN' }]);
  const saved = (await dc.customRequest(Requests.saveSnapshot, {})).body as SaveSnapshotResult;
  // Change the live value: the snapshot must still show the saved one.
  const frame = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames[0];
  await dc.evaluateRequest({ expression: 'total = 999', frameId: frame.id, context: 'repl' });
  const view = (await dc.customRequest(ViewRequests.inspectSnapshot, { id: saved.snapshot.id })).body as InspectSnapshotResult;
  const thread = view.processes[0].threads[0];
  assert.equal(thread.frames[0].name, 'sum_squares');
  assert.equal(thread.locals.find((l) => l.name === 'total')?.value, '30', JSON.stringify(thread.locals));
  await dc.setBreakpointsRequest({ source, breakpoints: [] });
  const exited = dc.eventSeen('exited');
  await dc.continueRequest({ threadId: stop.body.threadId });
  await exited;
  await dc.outputContains('basic: total=999');
});

test('every thread of a snapshot is shown with its own stack and locals, by its virtual id', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: threads, snapshotDir: snapshotDir('threads') }, [{ file: 'threads.c', marker: 'ALL_STARTED' }]);
  const saved = (await dc.customRequest(Requests.saveSnapshot, {})).body as SaveSnapshotResult;
  const live = (await dc.threadsRequest()).body.threads.map((th) => Number(/LWP (\d+)/.exec(th.name)?.[1])).sort((a, b) => a - b);
  const view = (await dc.customRequest(ViewRequests.inspectSnapshot, { id: saved.snapshot.id })).body as InspectSnapshotResult;
  const shown = view.processes[0].threads;
  // Never restored: the virtual ids are the kernel's, the ones gdb shows for the live program.
  assert.deepEqual(shown.map((th) => th.vtid).sort((a, b) => a - b), live);
  const main = shown.find((th) => th.frames.some((f) => f.name === 'main'))!;
  assert.equal(main.frames[0].name, 'main');
  assert.equal(main.frames[0].line, lineOf('threads.c', 'ALL_STARTED'));
  const workers = shown.filter((th) => th !== main);
  assert.equal(workers.length, 3);
  assert.ok(workers.every((th) => th.frames.some((f) => f.name === 'worker')), JSON.stringify(workers));
  assert.deepEqual(workers.map((th) => th.locals.find((l) => l.name === 'id')?.value).sort(), ['0', '1', '2'], JSON.stringify(workers));

  await dc.setBreakpointsRequest({ source: { path: path.join(PROGRAMS, 'threads.c') }, breakpoints: [] });
  const exited = dc.eventSeen('exited');
  await dc.continueRequest({ threadId: stop.body.threadId });
  await exited;
  await dc.outputContains('threads: done, 3 workers');
});

test('a snapshot saved in one debug session is restored by restart in a new one', async (t) => {
  const dir = snapshotDir('across');
  const source = { path: path.join(PROGRAMS, 'basic.c') };
  const first = await startClient(t);
  const stop = await first.launchAndStop({ program: basic, snapshotDir: dir }, [{ file: 'basic.c', marker: 'SQUARE_BODY', condition: 'v == 2' }]);
  const saved = (await first.customRequest(Requests.saveSnapshot, { label: 'v is 2' })).body as SaveSnapshotResult;
  const expected = (await first.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames.map((f) => [f.name, f.line]);
  await first.stop();

  const dc = await startClient(t);
  const entry = await dc.launchAndStop({ program: basic, snapshotDir: dir, stopOnEntry: true });
  assert.equal((await dc.topFrame(entry.body.threadId)).name, 'main');

  const restored = dc.nextStop();
  await dc.restartRequest({ arguments: { program: basic, snapshotDir: dir, restartFromSnapshot: saved.snapshot.id } } as never);
  const back = await restored;
  assert.equal(back.body.reason, 'restore');
  const frames = (await dc.stackTraceRequest({ threadId: back.body.threadId })).body.stackFrames;
  assert.deepEqual(frames.map((f) => [f.name, f.line]), expected);
  assert.equal((await dc.scopeVariables(frames[0].id, 'Arguments'))[0].value, '2');
  const sumLocals = await dc.scopeVariables(frames[1].id, 'Locals');
  assert.equal(sumLocals.find((v) => v.name === 'total')?.value, '1', 'total = 0*0 + 1*1 before square(2)');

  // `arguments.snapshot` works the same, and the restored program runs to its end.
  const again = dc.nextStop();
  await dc.restartRequest({ arguments: { snapshot: saved.snapshot.id } } as never);
  const back2 = await again;
  assert.deepEqual((await dc.stackTraceRequest({ threadId: back2.body.threadId })).body.stackFrames.map((f) => [f.name, f.line]), expected);

  // From a restored program, a plain restart begins the program anew.
  await dc.setBreakpointsRequest({ source, breakpoints: [{ line: lineOf('basic.c', 'BP1') }] });
  const anew = dc.nextStop();
  await dc.restartRequest({ arguments: { program: basic } } as never);
  const fresh = await anew;
  assert.deepEqual([(await dc.topFrame(fresh.body.threadId)).name, (await dc.topFrame(fresh.body.threadId)).line], ['main', lineOf('basic.c', 'BP1')]);
  await dc.setBreakpointsRequest({ source, breakpoints: [] });
  const exited = dc.eventSeen('exited');
  await dc.continueRequest({ threadId: fresh.body.threadId });
  assert.equal((await exited).body.exitCode, 0);
  await dc.outputContains('basic: total=30');
});

test('restart without a snapshot starts the program again from the beginning', async (t) => {
  const dc = await startClient(t);
  const source = { path: path.join(PROGRAMS, 'basic.c') };
  const stop = await dc.launchAndStop({ program: basic, args: ['one'], snapshotDir: snapshotDir('relaunch') }, [{ file: 'basic.c', marker: 'AFTER_CALL' }]);
  assert.equal((await dc.topFrame(stop.body.threadId)).line, lineOf('basic.c', 'AFTER_CALL'));
  await dc.outputContains('basic: started with 1 args');

  await dc.setBreakpointsRequest({ source, breakpoints: [{ line: lineOf('basic.c', 'BP1') }] });
  const again = dc.nextStop();
  await dc.restartRequest({ arguments: { program: basic } } as never);
  const first = await again;
  assert.equal(first.body.reason, 'breakpoint');
  const frames = (await dc.stackTraceRequest({ threadId: first.body.threadId })).body.stackFrames;
  assert.deepEqual([frames[0].name, frames[0].line], ['main', lineOf('basic.c', 'BP1')]);

  await dc.setBreakpointsRequest({ source, breakpoints: [] });
  const exited = dc.eventSeen('exited');
  await dc.continueRequest({ threadId: first.body.threadId });
  assert.equal((await exited).body.exitCode, 0);
  await dc.outputContains('basic: total=30');
  // The second run printed its lines too, with the same arguments.
  assert.equal(dc.outputText().split('basic: started with 1 args').length - 1, 2, dc.outputText());
});

test('looking at (or restarting to) a deleted snapshot is a clear error and the session goes on', async (t) => {
  const dc = await startClient(t);
  const dir = snapshotDir('deleted');
  const stop = await dc.launchAndStop({ program: basic, snapshotDir: dir }, [{ file: 'basic.c', marker: 'BP1' }]);
  const saved = (await dc.customRequest(Requests.saveSnapshot, {})).body as SaveSnapshotResult;
  await dc.customRequest(Requests.deleteSnapshot, { id: saved.snapshot.id });
  await assert.rejects(dc.customRequest(ViewRequests.inspectSnapshot, { id: saved.snapshot.id }), new RegExp(`no snapshot ${saved.snapshot.id}`));
  await assert.rejects(dc.customRequest(ViewRequests.inspectSnapshot, {}), /"id" must be a non-empty string/);
  // Restart to it: the same clear error, before the program is touched.
  await assert.rejects(dc.restartRequest({ arguments: { snapshot: saved.snapshot.id } } as never), new RegExp(`no snapshot ${saved.snapshot.id}`));

  // A snapshot whose image is damaged: the inspector's complaint, not a crash.
  const broken = (await dc.customRequest(Requests.saveSnapshot, {})).body as SaveSnapshotResult;
  const imageDir = path.join(dir, 'snapshots', broken.snapshot.id);
  const image = fs.readdirSync(imageDir).find((n) => n.endsWith('.img'))!;
  fs.writeFileSync(path.join(imageDir, image), 'not an image');
  await assert.rejects(dc.customRequest(ViewRequests.inspectSnapshot, { id: broken.snapshot.id }), new RegExp(`snapshot ${broken.snapshot.id}`));

  assert.equal((await dc.topFrame(stop.body.threadId)).line, lineOf('basic.c', 'BP1'));
  const exited = dc.eventSeen('exited');
  await dc.continueRequest({ threadId: stop.body.threadId });
  assert.equal((await exited).body.exitCode, 0);
  await dc.outputContains('basic: total=30');
});

/**
 * The debug session with the program under the real checkpoint engine: live
 * resource tables (running and stopped), and the snapshot list, rename and
 * delete requests on snapshots taken through the coordinator's control socket.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Coordinator, ctlCheckpoint } from '../../adapter/engine';
import { Events, Requests } from '../../adapter/protocol';
import type { ListSnapshotsResult, ResourcesResult, SaveSnapshotResult } from '../../adapter/protocol';
import { PROGRAMS_DIR as PROGRAMS, Programs, lineOf, startClient } from '../fixtures/dapHarness';

const programs = new Programs();
let basic: string;
let spin: string;
let forks: string;
let threads: string;

before(() => {
  basic = programs.build('basic');
  threads = programs.build('threads');
  spin = programs.build('spin');
  forks = programs.build('forks');
});
after(() => programs.dispose());

function snapshotDir(name: string): string {
  return path.join(programs.dir, `snapshots-${name}`);
}

test('the program runs under the engine: live tables at a breakpoint', async (t) => {
  const dc = await startClient(t);
  const dir = snapshotDir('stopped');
  const changed: string[] = [];
  dc.on(Events.resourcesChanged, (e: DebugProtocol.Event) => changed.push(e.body.reason));
  const stop = await dc.launchAndStop({ program: basic, snapshotDir: dir }, [{ file: 'basic.c', marker: 'BP1' }]);
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700, 'the snapshot directory is private');
  const threads = (await dc.threadsRequest()).body.threads;
  const pid = Number(/LWP (\d+)/.exec(threads[0].name)?.[1]);

  const tables = (await dc.customRequest(Requests.resources, {})).body as ResourcesResult;
  assert.equal(tables.source, 'live');
  assert.equal(tables.processes.length, 1);
  const proc = tables.processes[0];
  assert.equal(proc.pid, pid, 'the process gdb debugs is the one the engine knows');
  assert.equal(proc.argv[0].endsWith('basic'), true);
  assert.deepEqual(proc.threads, [{ vtid: pid, tid: pid }]);
  // Only its stdio: no fd of the adapter, gdb or the test runner leaks into the program.
  assert.deepEqual(proc.fds.map((f) => f.fd), [0, 1, 2], JSON.stringify(proc.fds));
  assert.match(proc.fds[1].path, /ckpt-io-.*stdout$/, 'stdout goes to the adapter through a named pipe');
  assert.ok(changed.includes('started') && changed.includes('stopped'), `resourcesChanged events: ${changed}`);

  // The preload really is in the program.
  const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
  assert.match(maps, /libckpt\.so/);
  // ...and not in its environment's LD_PRELOAD for anything but the program itself.
  const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  assert.ok(environ.some((e) => e.startsWith('CKPT_ENGINE_SOCKET=') && e.endsWith('engine.sock')));

  const terminated = dc.eventSeen('terminated');
  await dc.continueRequest({ threadId: stop.body.threadId });
  await terminated;
  await dc.outputContains('basic: total=30');
});

test('live tables of a running program come from the engine; a forked child is listed', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: forks, snapshotDir: snapshotDir('forks') }, [{ file: 'forks.c', marker: 'CHILD' }]);
  const tables = (await dc.customRequest(Requests.resources, {})).body as ResourcesResult;
  assert.equal(tables.processes.length, 2, 'parent and child');
  const [parent, child] = tables.processes;
  assert.equal(child.vppid, parent.vpid);
  assert.equal(child.threads.length, 1);
  await dc.setBreakpointsRequest({ source: { path: path.join(path.dirname(forks), 'none.c') }, breakpoints: [] });
  const terminated = dc.eventSeen('terminated');
  await dc.continueRequest({ threadId: stop.body.threadId });
  await terminated;

  const dc2 = await startClient(t);
  await Promise.all([dc2.configurationSequence(), dc2.launch({ program: spin, snapshotDir: snapshotDir('running') })]);
  await dc2.outputContains('spin: running');
  // Running: the engine answers through its signal, which gdb passes on silently.
  const live = (await dc2.customRequest(Requests.resources, {})).body as ResourcesResult;
  assert.equal(live.processes.length, 1);
  assert.equal(live.processes[0].threads.length, 1);
  assert.equal(dc2.outputs.some((o) => /SIG62|Real-time event 62/.test(o.body.output)), false, 'the signal is silent');
});

test('snapshots are listed, renamed, inspected and deleted through custom requests', async (t) => {
  const dc = await startClient(t);
  const dir = snapshotDir('list');
  await Promise.all([dc.configurationSequence(), dc.launch({ program: spin, snapshotDir: dir })]);
  await dc.outputContains('spin: running');

  const empty = (await dc.customRequest(Requests.listSnapshots, {})).body as ListSnapshotsResult;
  assert.deepEqual(empty.snapshots, []);

  // A snapshot taken from outside (as `ckpt checkpoint --dir` does) shows up in the session.
  const announced = dc.eventSeen(Events.snapshotsChanged);
  const taken = await ctlCheckpoint(dir, { label: 'first' });
  const event = await announced;
  assert.deepEqual(event.body.snapshots.map((s: { id: string }) => s.id), [taken.id]);

  const listed = (await dc.customRequest(Requests.listSnapshots, {})).body as ListSnapshotsResult;
  assert.equal(listed.snapshots.length, 1);
  assert.equal(listed.snapshots[0].label, 'first');
  assert.ok(listed.snapshots[0].size > 0);

  const renamed = (await dc.customRequest(Requests.renameSnapshot, { id: taken.id, label: 'renamed' })).body as SaveSnapshotResult;
  assert.equal(renamed.snapshot.label, 'renamed');
  const relisted = (await dc.customRequest(Requests.listSnapshots, {})).body as ListSnapshotsResult;
  assert.equal(relisted.snapshots[0].label, 'renamed');

  const saved = (await dc.customRequest(Requests.resources, { snapshot: taken.id })).body as ResourcesResult;
  assert.equal(saved.source, taken.id);
  assert.equal(saved.processes.length, 1);
  assert.ok(saved.processes[0].argv[0].endsWith('spin'));

  await assert.rejects(dc.customRequest(Requests.renameSnapshot, { label: 'x' }), /"id" must be a non-empty string/);
  await assert.rejects(dc.customRequest(Requests.deleteSnapshot, { id: 'no-such-snapshot' }), /no-such-snapshot/);

  await assert.rejects(dc.customRequest(Requests.restoreSnapshot, { id: 'no-such-snapshot' }), /no-such-snapshot/);

  await dc.customRequest(Requests.deleteSnapshot, { id: taken.id });
  const after = (await dc.customRequest(Requests.listSnapshots, {})).body as ListSnapshotsResult;
  assert.deepEqual(after.snapshots, []);
});

test('a snapshot directory that cannot be created fails the launch, naming it', async (t) => {
  const dc = await startClient(t);
  const blocker = path.join(programs.dir, 'a-file');
  fs.writeFileSync(blocker, 'not a directory');
  // The user chose the directory: the launch fails, naming it.
  await assert.rejects(dc.launch({ program: basic, snapshotDir: path.join(blocker, 'snaps') }), /"snapshotDir"/);
});

/** Restarts snapshot `id` of `dir` outside the debugger; resolves with its output and exit. */
async function restartOutside(dir: string, id: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const coordinator = await Coordinator.open(dir);
  try {
    const running = await coordinator.startRestart(id, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    running.child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
    running.child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise<number | null>((resolve) => running.child.once('close', (c) => resolve(c)));
    return { stdout, stderr, code };
  } finally {
    await coordinator.close();
  }
}

test('a snapshot saved at a breakpoint is exact: the session stays put, the restored program goes on from there', async (t) => {
  const dc = await startClient(t);
  const dir = snapshotDir('held');
  const stop = await dc.launchAndStop({ program: basic, snapshotDir: dir }, [{ file: 'basic.c', marker: 'SQUARE_BODY', condition: 'v == 2' }]);
  const before = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;

  const saved = (await dc.customRequest(Requests.saveSnapshot, { label: 'in square' })).body as SaveSnapshotResult;
  assert.equal(saved.snapshot.label, 'in square');
  assert.equal(saved.snapshot.processes, 1);

  // Still at the same place, with the same values; no stop was reported for the work.
  const after = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
  assert.deepEqual(after.map((f) => [f.name, f.line]), before.map((f) => [f.name, f.line]));
  const args = await dc.scopeVariables(after[0].id, 'Arguments');
  assert.equal(args[0].value, '2');
  const listed = (await dc.customRequest(Requests.listSnapshots, {})).body as ListSnapshotsResult;
  // The adapter's own landmark of the first stop, then the one saved by hand.
  assert.deepEqual(listed.snapshots.map((s) => s.label), ['auto: landmark', 'in square']);
  assert.equal(listed.snapshots[1].id, saved.snapshot.id);

  // The breakpoint still works after the snapshot (it was disabled only meanwhile).
  await dc.setBreakpointsRequest({ source: { path: path.join(PROGRAMS, 'basic.c') }, breakpoints: [{ line: lineOf('basic.c', 'SQUARE_BODY'), condition: 'v == 3' }] });
  const again = dc.nextStop();
  await dc.continueRequest({ threadId: stop.body.threadId });
  const stop3 = await again;
  const frame3 = await dc.topFrame(stop3.body.threadId);
  assert.equal((await dc.scopeVariables(frame3.id, 'Arguments'))[0].value, '3');
  await dc.setBreakpointsRequest({ source: { path: path.join(PROGRAMS, 'basic.c') }, breakpoints: [] });
  const terminated = dc.eventSeen('terminated');
  await dc.continueRequest({ threadId: stop.body.threadId });
  await terminated;
  assert.equal(dc.outputText('stdout'), 'basic: started with 0 args\nbasic: total=30 x=30 values[2]=30\n');
  await dc.stop();

  // Restored without a debugger, it prints exactly what the original printed after the breakpoint.
  const restored = await restartOutside(dir, saved.snapshot.id);
  assert.equal(restored.stdout, 'basic: total=30 x=30 values[2]=30\n');
  assert.equal(restored.stderr, 'basic: to stderr\n');
  assert.equal(restored.code, 0);
});

// Every thread takes the engine's signal: the leader of the process first (the
// engine counts the others only once it has started the snapshot; see heldSnapshot.ts).
test('a snapshot of a multi-threaded program at a breakpoint', async (t) => {
  const dc = await startClient(t);
  const dir = snapshotDir('held-threads');
  const stop = await dc.launchAndStop({ program: threads, snapshotDir: dir }, [{ file: 'threads.c', marker: 'ALL_STARTED' }]);
  const saved = (await dc.customRequest(Requests.saveSnapshot, {})).body as SaveSnapshotResult;
  const threadList = (await dc.threadsRequest()).body.threads;
  assert.equal(threadList.length, 4, 'every thread is still there');
  const frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.line, lineOf('threads.c', 'ALL_STARTED'));
  await dc.setBreakpointsRequest({ source: { path: path.join(PROGRAMS, 'threads.c') }, breakpoints: [] });
  const terminated = dc.eventSeen('terminated');
  await dc.continueRequest({ threadId: stop.body.threadId });
  await terminated;
  await dc.stop();
  const restored = await restartOutside(dir, saved.snapshot.id);
  assert.equal(restored.code, 0);
  for (let i = 0; i < 3; i++) assert.match(restored.stdout, new RegExp(`threads: worker ${i} running`));
  assert.match(restored.stdout, /threads: done, 3 workers\n$/);
});

test('a running program is paused for a snapshot and goes on afterwards', async (t) => {
  const dc2 = await startClient(t);
  await Promise.all([dc2.configurationSequence(), dc2.launch({ program: spin, snapshotDir: snapshotDir('held-running') })]);
  await dc2.outputContains('spin: running');
  const running = (await dc2.customRequest(Requests.saveSnapshot, { label: 'running' })).body as SaveSnapshotResult;
  assert.equal(running.snapshot.label, 'running');
  assert.equal(dc2.events.some((e) => e.event === 'stopped'), false, 'no stop was reported');
  const paused = dc2.nextStop();
  await dc2.pauseRequest({ threadId: (await dc2.threadsRequest()).body.threads[0].id });
  assert.equal((await paused).body.reason, 'pause', 'it was running again');
});

// Both processes reach the engine's hold trap at about the same time: often gdb
// reports one and keeps the other's trap pending, to be reported when that thread
// is stepped alone (see "target-non-stop" in gdbSettings.ts).
test('a snapshot at a breakpoint in a forked child saves both processes', async (t) => {
  const dc = await startClient(t);
  const dir = snapshotDir('held-forks');
  const stop = await dc.launchAndStop({ program: forks, snapshotDir: dir }, [{ file: 'forks.c', marker: 'CHILD' }]);
  const saved = (await dc.customRequest(Requests.saveSnapshot, {})).body as SaveSnapshotResult;
  assert.equal(saved.snapshot.processes, 2, 'parent and child');
  const frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.name, 'child_work');
  await dc.setBreakpointsRequest({ source: { path: path.join(PROGRAMS, 'forks.c') }, breakpoints: [] });
  const exited = dc.eventSeen('exited');
  await dc.continueRequest({ threadId: stop.body.threadId });
  assert.equal((await exited).body.exitCode, 0);
  await dc.outputContains('forks: parent saw child exit 0');
  await dc.stop();
  const restored = await restartOutside(dir, saved.snapshot.id);
  // Both processes come back and finish their work (the two lines reach the pipe in either order).
  assert.deepEqual(restored.stdout.split('\n').filter(Boolean).sort(), ['forks: child result 42', 'forks: parent saw child exit 0']);
  assert.equal(restored.code, 0);
});

test('restoring a snapshot goes back in time: the stack, the values and the output after it are the same', async (t) => {
  const dc = await startClient(t);
  const dir = snapshotDir('restore');
  const source = { path: path.join(PROGRAMS, 'basic.c') };
  const stop = await dc.launchAndStop({ program: basic, snapshotDir: dir }, [{ file: 'basic.c', marker: 'SQUARE_BODY', condition: 'v == 2' }]);
  const saved = (await dc.customRequest(Requests.saveSnapshot, { label: 'v is 2' })).body as SaveSnapshotResult;
  const before = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames.map((f) => [f.name, f.line]);

  // Run on to the end of main, then go back.
  await dc.setBreakpointsRequest({ source, breakpoints: [{ line: lineOf('basic.c', 'END') }] });
  const atEnd = dc.nextStop();
  await dc.continueRequest({ threadId: stop.body.threadId });
  await atEnd;
  const restored = dc.nextStop();
  const changed = dc.eventSeen(Events.snapshotsChanged, (e) => e.body.restoredFrom === saved.snapshot.id);
  const list = (await dc.customRequest(Requests.restoreSnapshot, { id: saved.snapshot.id })).body as ListSnapshotsResult;
  assert.equal(list.restoredFrom, saved.snapshot.id);
  await changed;
  const back = await restored;
  assert.equal(back.body.reason, 'restore');
  const frames = (await dc.stackTraceRequest({ threadId: back.body.threadId })).body.stackFrames;
  assert.deepEqual(frames.map((f) => [f.name, f.line]), before);
  assert.equal((await dc.scopeVariables(frames[0].id, 'Arguments'))[0].value, '2');
  const mainLocals = await dc.scopeVariables(frames[2].id, 'Locals');
  assert.match(mainLocals.find((v) => v.name === 'origin')!.value, /x = 3, y = 4/);

  // Forward again: the program goes on from the snapshot and ends as the first run did.
  await dc.setBreakpointsRequest({ source, breakpoints: [] });
  const exited = dc.eventSeen('exited');
  await dc.continueRequest({ threadId: back.body.threadId });
  assert.equal((await exited).body.exitCode, 0);
  await dc.eventSeen('terminated');
  // stderr is unbuffered: both runs wrote it. stdout is a pipe, so the first run's
  // "total" line was still in its stdio buffer when it was replaced: printed once.
  await dc.outputContains('basic: to stderr\nbasic: to stderr\n', 'stderr');
  assert.equal(dc.outputText('stdout'), 'basic: started with 0 args\nbasic: total=30 x=30 values[2]=30\n');
});

test('with a snapshot at every stop, Step Back and Reverse Continue go back through the stops', async (t) => {
  const dc = await startClient(t);
  const source = { path: path.join(PROGRAMS, 'basic.c') };
  const capable = dc.eventSeen('capabilities', (e) => e.body.capabilities.supportsStepBack === true);
  let stop = await dc.launchAndStop(
    { program: basic, snapshotDir: snapshotDir('step-back'), autoSnapshot: { atStops: true } },
    [{ file: 'basic.c', marker: 'LOOP' }],
  );
  await capable;
  const loopIndex = async (threadId: number): Promise<string> => {
    const frame = await dc.topFrame(threadId);
    assert.equal(frame.name, 'sum_squares');
    return (await dc.scopeVariables(frame.id, 'Locals')).find((v) => v.name === 'i')!.value;
  };
  assert.equal(await loopIndex(stop.body.threadId), '0');
  for (const expected of ['1', '2']) {
    const next = dc.nextStop();
    await dc.continueRequest({ threadId: stop.body.threadId });
    stop = await next;
    assert.equal(await loopIndex(stop.body.threadId), expected);
  }
  const snapshots = (await dc.customRequest(Requests.listSnapshots, {})).body as ListSnapshotsResult;
  assert.equal(snapshots.snapshots.length, 3, 'one per stop');

  for (const expected of ['1', '0']) {
    const back = dc.nextStop();
    await dc.stepBackRequest({ threadId: stop.body.threadId });
    stop = await back;
    assert.equal(stop.body.reason, 'restore');
    assert.equal(await loopIndex(stop.body.threadId), expected);
  }
  await assert.rejects(dc.stepBackRequest({ threadId: stop.body.threadId }), /no earlier snapshot/);

  // Forward again from i == 0, then Reverse Continue back to the last breakpoint stop.
  let next = dc.nextStop();
  await dc.continueRequest({ threadId: stop.body.threadId });
  stop = await next;
  assert.equal(await loopIndex(stop.body.threadId), '1');
  next = dc.nextStop();
  await dc.reverseContinueRequest({ threadId: stop.body.threadId });
  stop = await next;
  assert.equal(await loopIndex(stop.body.threadId), '0');

  await dc.setBreakpointsRequest({ source, breakpoints: [] });
  const exited = dc.eventSeen('exited');
  await dc.continueRequest({ threadId: stop.body.threadId });
  assert.equal((await exited).body.exitCode, 0);
  await dc.eventSeen('terminated');
  assert.equal(dc.outputText('stdout'), 'basic: started with 0 args\nbasic: total=30 x=30 values[2]=30\n');
});

test('"autoSnapshot": { "everySeconds": N } saves snapshots while the program runs', async (t) => {
  const dc = await startClient(t);
  await Promise.all([dc.configurationSequence(), dc.launch({ program: spin, snapshotDir: snapshotDir('timer'), autoSnapshot: { everySeconds: 1 } })]);
  await dc.outputContains('spin: running');
  const deadline = Date.now() + 60000;
  let list: ListSnapshotsResult;
  do {
    await new Promise((r) => setTimeout(r, 200));
    list = (await dc.customRequest(Requests.listSnapshots, {})).body as ListSnapshotsResult;
  } while (list.snapshots.length < 2 && Date.now() < deadline);
  assert.ok(list.snapshots.length >= 2, 'two timed snapshots');
  assert.ok(list.snapshots.every((s) => s.label === 'auto: timer'));
  assert.equal(dc.events.some((e) => e.event === 'stopped'), false, 'the pauses for them were not reported');
  const paused = dc.nextStop();
  await dc.pauseRequest({ threadId: (await dc.threadsRequest()).body.threads[0].id });
  assert.equal((await paused).body.reason, 'pause', 'still running until paused');
});

test('no int3 of gdb in a snapshot: a restored program that loads a library later runs on', async (t) => {
  // gdb keeps a breakpoint of its own in ld.so (to see libraries load) inserted
  // while the program runs, as during a held snapshot: it must not be saved.
  const host = programs.build('plugin_host');
  programs.buildLibrary('plugin');
  const dc = await startClient(t);
  const dir = snapshotDir('no-int3');
  const stop = await dc.launchAndStop({ program: host, snapshotDir: dir }, [], ['main']);
  const saved = (await dc.customRequest(Requests.saveSnapshot, {})).body as SaveSnapshotResult;
  const info = await dc.evaluateRequest({ expression: '-exec info mem', context: 'repl' });
  assert.match(info.body.result, /no memory regions defined/i, 'the read-only regions are gone again');
  const exited = dc.eventSeen('exited');
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  await dc.continueRequest({ threadId: stop.body.threadId });
  assert.equal((await exited).body.exitCode, 0);
  await dc.stop();
  const restored = await restartOutside(dir, saved.snapshot.id);
  assert.equal(restored.stdout, 'plugin_host: 40\n');
  assert.equal(restored.code, 0);
});

/**
 * Snapshots at a breakpoint of a program with a helper thread and a forked
 * child that waits in pause(): gdb holds three threads in two inferiors, and
 * the engine's leader of each process must be stopped in its own inferior
 * (see startLeaders in heldSnapshot.ts). Saved and restored many times in a
 * row, each save taken in the program the previous restore brought back; and
 * saved while gdb still holds the child at its fork, before its engine has
 * said hello to the coordinator (on a busy machine the parent can reach the
 * breakpoint first).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { Requests } from '../../adapter/protocol';
import type { ListSnapshotsResult, SaveSnapshotResult } from '../../adapter/protocol';
import { Programs, TestClient, find, lineOf, sourceOf, startClient } from '../fixtures/dapHarness';
import type { Stop } from '../fixtures/dapHarness';

const programs = new Programs();
let threadChild: string;

before(() => { threadChild = programs.build('thread_child'); });
after(() => programs.dispose());

const ROUNDS = 50;

interface LoopState { rounds: number; total: number }

/** The main thread's loop counters at a stop on the LOOP line; checks where it stands. */
async function loopState(dc: TestClient, stop: Stop): Promise<LoopState> {
  const frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.name, 'main');
  assert.equal(frame.line, lineOf('thread_child.c', 'LOOP'));
  const locals = await dc.scopeVariables(frame.id, 'Locals');
  return { rounds: Number(find(locals, 'rounds').value), total: Number(find(locals, 'total').value) };
}

/** Three threads (main, helper, child) in two processes. */
async function expectThreadsAndChild(dc: TestClient, when: string): Promise<void> {
  const list = (await dc.threadsRequest()).body.threads;
  assert.equal(list.length, 3, `${when}: main, helper and child: ${JSON.stringify(list)}`);
  const pids = new Set(list.map((th) => /\[process (\d+)\]/.exec(th.name)?.[1]));
  assert.equal(pids.size, 2, `${when}: threads of two processes: ${JSON.stringify(list)}`);
}

async function continueToLoop(dc: TestClient, threadId: number): Promise<Stop> {
  const next = dc.nextStop();
  await dc.continueRequest({ threadId });
  return next;
}

test(`a program with a thread and a forked child is saved and restored at a breakpoint ${ROUNDS} times in a row`, {
  timeout: 900000,
}, async (t) => {
  const dc = await startClient(t);
  const dir = path.join(programs.dir, 'snapshots');
  let stop = await dc.launchAndStop({ program: threadChild, snapshotDir: dir }, [{ file: 'thread_child.c', marker: 'LOOP' }]);
  await dc.outputContains('thread_child: running');
  let state = await loopState(dc, stop);
  assert.deepEqual(state, { rounds: 1, total: 0 });
  for (let k = 1; k <= ROUNDS; k++) {
    await expectThreadsAndChild(dc, `before save ${k}`);
    const saved = (await dc.customRequest(Requests.saveSnapshot, { label: `round ${k}` })).body as SaveSnapshotResult;
    assert.equal(saved.snapshot.processes, 2, `save ${k}: parent and child`);
    assert.deepEqual(await loopState(dc, stop), state, `save ${k}: the session stays put`);

    stop = await continueToLoop(dc, stop.body.threadId);
    const later = await loopState(dc, stop);
    assert.deepEqual(later, { rounds: state.rounds + 1, total: state.total + state.rounds }, `round ${k}: ran on`);

    const restored = dc.nextStop();
    const list = (await dc.customRequest(Requests.restoreSnapshot, { id: saved.snapshot.id })).body as ListSnapshotsResult;
    assert.equal(list.restoredFrom, saved.snapshot.id);
    stop = await restored;
    assert.equal(stop.body.reason, 'restore');
    assert.deepEqual(await loopState(dc, stop), state, `restore ${k}: back at the saved values`);
    await expectThreadsAndChild(dc, `after restore ${k}`);

    // The restored program runs on as the original did; the next save is taken there.
    stop = await continueToLoop(dc, stop.body.threadId);
    assert.deepEqual(await loopState(dc, stop), later, `restore ${k}: runs on from there`);
    state = later;
  }
});

test('a child that gdb holds at its fork, before its engine said hello, is saved with its parent and restored', { timeout: 300000 }, async (t) => {
  const dc = await startClient(t);
  const dir = path.join(programs.dir, 'snapshots-at-fork');
  // With schedule-multiple off gdb resumes only the inferior it stands in: the
  // child stays where gdb caught its fork while the parent runs to the loop.
  // No landmark of the adapter's own at the first stop: a snapshot needs schedule-multiple on.
  let stop = await dc.launchAndStop(
    { program: threadChild, snapshotDir: dir, setupCommands: ['set schedule-multiple off'], autoSnapshot: false },
    [{ file: 'thread_child.c', marker: 'LOOP' }],
  );
  await expectThreadsAndChild(dc, 'at the first stop');
  const childThread = await threadOfChild(dc, stop.body.threadId);
  assert.match((await dc.topFrame(childThread)).name, /fork/i, 'the child stands at its fork');
  await dc.evaluateRequest({ expression: '-exec set schedule-multiple on', context: 'repl' });
  const state = await loopState(dc, stop);

  const saved = (await dc.customRequest(Requests.saveSnapshot, { label: 'child at its fork' })).body as SaveSnapshotResult;
  assert.equal(saved.snapshot.processes, 2, 'the child is saved with its parent');
  assert.deepEqual(await loopState(dc, stop), state, 'the session stays put');
  await expectThreadsAndChild(dc, 'after the save');
  stop = await continueToLoop(dc, stop.body.threadId);
  const later = await loopState(dc, stop);

  const restored = dc.nextStop();
  await dc.customRequest(Requests.restoreSnapshot, { id: saved.snapshot.id });
  stop = await restored;
  assert.deepEqual(await loopState(dc, stop), state, 'back at the saved values');
  await expectThreadsAndChild(dc, 'after the restore');
  stop = await continueToLoop(dc, stop.body.threadId);
  assert.deepEqual(await loopState(dc, stop), later, 'runs on as before');
});

test('a child that gdb stopped while its engine joins the coordinator, before its hello, is saved with its parent and restored', { timeout: 300000 }, async (t) => {
  const dc = await startClient(t);
  const dir = path.join(programs.dir, 'snapshots-joining');
  // The child stops where its engine, after the fork, opens its own connection
  // to the coordinator: it has its own ids already, no connection, and no hello.
  const stopped = dc.nextStop();
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      const set = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'ckpt_control_connect', condition: '$_inferior == 2' }] });
      assert.equal(set.body.breakpoints.length, 1);
      await dc.configurationDoneRequest();
    }),
    dc.launch({ program: threadChild, snapshotDir: dir, autoSnapshot: false }),
  ]);
  let stop = await stopped;
  await expectThreadsAndChild(dc, 'at the first stop');
  assert.equal((await dc.topFrame(stop.body.threadId)).name, 'ckpt_control_connect', 'the child stands in its engine, joining');

  const saved = (await dc.customRequest(Requests.saveSnapshot, { label: 'child joining' })).body as SaveSnapshotResult;
  assert.equal(saved.snapshot.processes, 2, 'the child is saved with its parent');
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  await dc.setBreakpointsRequest({ source: { path: sourceOf('thread_child.c') }, breakpoints: [{ line: lineOf('thread_child.c', 'LOOP') }] });
  // The parent may have reached its loop before the child stopped: the first pass after the snapshot, whichever it is.
  stop = await continueToLoop(dc, stop.body.threadId);
  const next = await loopState(dc, stop);

  const restored = dc.nextStop();
  await dc.customRequest(Requests.restoreSnapshot, { id: saved.snapshot.id });
  stop = await restored;
  assert.equal(stop.body.reason, 'restore');
  await expectThreadsAndChild(dc, 'after the restore');
  stop = await continueToLoop(dc, stop.body.threadId);
  assert.deepEqual(await loopState(dc, stop), next, 'the restored program runs from the snapshot to the same pass of the loop');
});

/** The thread of the process other than `mainThread`'s. */
async function threadOfChild(dc: TestClient, mainThread: number): Promise<number> {
  const list = (await dc.threadsRequest()).body.threads;
  const pidOf = (name: string) => /\[process (\d+)\]/.exec(name)?.[1];
  const parent = pidOf(list.find((th) => th.id === mainThread)!.name);
  const child = list.find((th) => pidOf(th.name) !== parent);
  assert.ok(child, `a thread of another process: ${JSON.stringify(list)}`);
  return child.id;
}

/**
 * Landmarks in a program whose parent and forked child hit one breakpoint at
 * the same instant, round after round, with real gdb and the real engine and
 * the default settings. gdb reports one of the two hits and keeps the other
 * pending; a snapshot at that stop would lose the pending hit (that process
 * would run on past its breakpoint). Each process must stop at every one of
 * its rounds, landmarks must be taken all the same, Save Snapshot refused at
 * a stop where a hit is kept, and going back must land on the stop before.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { Requests } from '../../adapter/protocol';
import type { ListSnapshotsResult } from '../../adapter/protocol';
import { Programs, TestClient, lineOf, startClient } from '../fixtures/dapHarness';
import type { Stop } from '../fixtures/dapHarness';
import { TWIN_ROUNDS, hitAt } from '../fixtures/twinHits';
import type { Hit } from '../fixtures/twinHits';

const programs = new Programs();
let twins: string;

before(() => { twins = programs.build('twins'); });
after(() => programs.dispose());



/**
 * Whether the process not stopped stands at the breakpoint in a round it has
 * not stopped at yet: gdb keeps its hit pending (`hits`: the stops so far,
 * this one included).
 */
async function otherKept(dc: TestClient, stop: Stop, hits: Hit[]): Promise<boolean> {
  const threads = (await dc.threadsRequest()).body.threads;
  const pidOf = (name: string): string | undefined => /\[process (\d+)\]/.exec(name)?.[1];
  const stopped = pidOf(threads.find((th) => th.id === stop.body.threadId)!.name);
  const other = threads.find((th) => pidOf(th.name) !== stopped);
  if (!other) return false;
  const frame = await dc.topFrame(other.id);
  if (frame.line !== lineOf('twins.c', 'HIT')) return false;
  const round = Number((await dc.evaluateRequest({ expression: 'round', frameId: frame.id })).body.result);
  const who = hits[hits.length - 1].who === 'parent' ? 'child' : 'parent';
  return !hits.some((h) => h.who === who && h.round === round);
}

async function resumeAndStop(dc: TestClient, resume: () => Promise<unknown>): Promise<Stop> {
  const next = dc.nextStop();
  await resume();
  return next;
}

async function landmarks(dc: TestClient): Promise<number> {
  const list = (await dc.customRequest(Requests.listSnapshots, {})).body as ListSnapshotsResult;
  return list.snapshots.filter((s) => s.label === 'auto: landmark').length;
}

/** Each process's rounds in the order it stopped at them. */
function roundsOf(hits: Hit[], who: string): number[] {
  return hits.filter((h) => h.who === who).map((h) => h.round);
}

const all = Array.from({ length: TWIN_ROUNDS }, (_, i) => i + 1);

/** Each process's rounds so far are 1, 2, 3... with none left out. */
function expectEveryRound(hits: Hit[], what: string): void {
  for (const who of ['parent', 'child']) {
    const rounds = roundsOf(hits, who);
    assert.deepEqual(rounds, all.slice(0, rounds.length), `${what}: ${who} stopped at each of its rounds: ${JSON.stringify(hits)}`);
  }
}

test('parent and child at one breakpoint at the same instant: default landmarks, no hit lost, going back to the stop before', { timeout: 600000 }, async (t) => {
  const dc = await startClient(t);
  let stop = await dc.launchAndStop({ program: twins, args: [String(TWIN_ROUNDS)], snapshotDir: path.join(programs.dir, 'snapshots') }, [{ file: 'twins.c', marker: 'HIT' }]);
  const hits: Hit[] = [await hitAt(dc, stop)];
  let kept = Number(await otherKept(dc, stop, hits));
  // The stop (counted from 1) at which each landmark was taken.
  const takenAt: number[] = [];
  let refused = false;
  if (await landmarks(dc) > 0) takenAt.push(1);
  while (takenAt.length < 2 || hits.length < takenAt[1] + 1) {
    stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
    hits.push(await hitAt(dc, stop));
    const keptHere = await otherKept(dc, stop, hits);
    kept += Number(keptHere);
    if (await landmarks(dc) > takenAt.length) takenAt.push(hits.length);
    if (keptHere && !refused) {
      // Save Snapshot there would wait for the other process in vain: refused, saying what to do
      await assert.rejects(dc.customRequest(Requests.saveSnapshot, { label: 'kept' }), /gdb has not reported yet.*Continue once/);
      refused = true;
    }
    assert.ok(hits.length <= 2 * TWIN_ROUNDS - 1, `two landmarks by now: ${JSON.stringify(takenAt)}`);
  }
  assert.ok(kept > 0 && refused, 'at some stop gdb kept the other process\'s hit pending (and Save Snapshot was refused there)');
  expectEveryRound(hits, 'running forward');
  // At a stop where gdb keeps the other's hit the landmark waits, and gdb reports that hit at the next stop.
  assert.ok(takenAt[0] <= 2 && takenAt[1] >= 21 && takenAt[1] <= 22, `landmarks at stop 1 or 2, then 21 or 22: ${JSON.stringify(takenAt)}`);
  const at = takenAt[1];

  // Going back one stop from just past the landmark: restored there, nothing re-executed.
  stop = await resumeAndStop(dc, () => dc.reverseContinueRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await hitAt(dc, stop), hits[at - 1], 'Reverse Continue: the stop before');
  assert.doesNotMatch(String(stop.body.description), /re-executed/);
  const again = hits.slice(0, at);
  stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
  again.push(await hitAt(dc, stop));
  expectEveryRound(again, 'after the Reverse Continue');
  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await hitAt(dc, stop), hits[at - 1], 'Step Back: the stop before');
  assert.doesNotMatch(String(stop.body.description), /re-executed/);

  // From there on, each process stops at each of its remaining rounds, and the program ends.
  again.pop();
  while (again.length < 2 * TWIN_ROUNDS) {
    stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
    again.push(await hitAt(dc, stop));
  }
  expectEveryRound(again, 'after the Step Back');
  await dc.continueRequest({ threadId: stop.body.threadId });
  await dc.eventSeen('terminated');
  await dc.outputContains('twins: done, child exit 0', 'stderr');
});

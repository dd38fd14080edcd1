/**
 * Going back by re-execution in a program whose parent and forked child hit
 * one breakpoint at the same instant, round after round, with real gdb and
 * the real engine. gdb reports the two hits of a round in either order, and
 * not always in the order of the first time: Reverse Continue and Step Back
 * from a late stop must land on exactly the recorded stop (the same process,
 * in the same round) in every run, the replayed hits coming in either order.
 */
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { Programs, TestClient, startClient } from '../fixtures/dapHarness';
import type { Stop } from '../fixtures/dapHarness';
import { TWIN_ROUNDS, hitAt } from '../fixtures/twinHits';
import type { Hit } from '../fixtures/twinHits';

const programs = new Programs();
let twins: string;

before(() => { twins = programs.build('twins'); });
after(() => programs.dispose());

/** The stop going back starts from: past the landmark of stop 21 or 22, a few replayed stops after it. */
const LATE = 25;
const REPETITIONS = 10;


async function resumeAndStop(dc: TestClient, resume: () => Promise<unknown>): Promise<Stop> {
  const next = dc.nextStop();
  await resume();
  return next;
}

/** One session: forward to stop LATE, then Reverse Continue and Step Back; each must land on the recorded stop. */
async function goBackOnce(t: TestContext, rep: number): Promise<string> {
  const dc = await startClient(t);
  let stop = await dc.launchAndStop({ program: twins, args: [String(TWIN_ROUNDS)], snapshotDir: path.join(programs.dir, `snapshots-${rep}`) }, [{ file: 'twins.c', marker: 'HIT' }]);
  const hits: Hit[] = [await hitAt(dc, stop)];
  while (hits.length < LATE) {
    stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
    hits.push(await hitAt(dc, stop));
  }
  for (const who of ['parent', 'child']) {
    const rounds = hits.filter((h) => h.who === who).map((h) => h.round);
    assert.deepEqual(rounds, rounds.map((_, i) => i + 1), `repetition ${rep}: ${who} stopped at each of its rounds`);
  }
  stop = await resumeAndStop(dc, () => dc.reverseContinueRequest({ threadId: stop.body.threadId }));
  assert.doesNotMatch(String(stop.body.description), /diverged/, `repetition ${rep}: ${dc.outputText('console')}`);
  assert.deepEqual(await hitAt(dc, stop), hits[LATE - 2], `repetition ${rep}: Reverse Continue lands on stop ${LATE - 1}: ${JSON.stringify(hits.slice(-4))}`);
  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  assert.doesNotMatch(String(stop.body.description), /diverged/, `repetition ${rep}: ${dc.outputText('console')}`);
  assert.deepEqual(await hitAt(dc, stop), hits[LATE - 3], `repetition ${rep}: Step Back lands on stop ${LATE - 2}: ${JSON.stringify(hits.slice(-4))}`);
  assert.doesNotMatch(dc.outputText('console'), /diverged/);
  const order = hits.slice(LATE - 4).map((h) => `${h.who[0]}${h.round}`).join(' ');
  await dc.stop();
  return order;
}

test('Reverse Continue and Step Back from a late stop of twin processes land on exactly the recorded stop, repetition after repetition', { timeout: 900000 }, async (t) => {
  const orders: string[] = [];
  for (let rep = 1; rep <= REPETITIONS; rep++) orders.push(await goBackOnce(t, rep));
  t.diagnostic(`stops ${LATE - 3} to ${LATE} of each repetition: ${orders.join(' | ')}`);
});

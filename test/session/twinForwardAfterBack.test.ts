/**
 * Going forward after going back, in a program whose parent and forked child
 * hit one breakpoint at the same instant, round after round, with real gdb
 * and the real engine. A replay may end while the other process stands at a
 * hit gdb reported on the way, which the timeline has after the stop gone
 * back to: the next Continue must show that hit (without running anything)
 * rather than run that process past it. Every stop after going back, and
 * after going back again on the new branch, must be the one a run forward
 * shows: each round of both processes once, none skipped, none twice.
 */
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { Programs, TestClient, startClient } from '../fixtures/dapHarness';
import type { Stop } from '../fixtures/dapHarness';
import { TWIN_ROUNDS, hitAt, showHits } from '../fixtures/twinHits';
import type { Hit } from '../fixtures/twinHits';

const programs = new Programs();
let twins: string;

before(() => { twins = programs.build('twins'); });
after(() => programs.dispose());

/** The stop going back starts from: past the landmark of stop 21 or 22, a few replayed stops after it. */
const LATE = 25;
const REPETITIONS = 4;


/** What a run forward shows: stops 2r-1 and 2r are the two processes' round r, in either order. */
function assertForwardRun(hits: Hit[], what: string): void {
  hits.forEach((h, i) => {
    const round = Math.floor(i / 2) + 1;
    assert.equal(h.round, round, `${what}: stop ${i + 1} is of round ${round}: ${showHits(hits)}`);
    if (i % 2 === 1) assert.notEqual(h.who, hits[i - 1].who, `${what}: both processes stop in round ${round}: ${showHits(hits)}`);
  });
}

class Session {
  stop!: Stop;
  /** The stops of the branch the program is on, the one it stands at last. */
  hits: Hit[] = [];
  constructor(readonly dc: TestClient, readonly rep: number) {}

  private async resume(resume: () => Promise<unknown>): Promise<Hit> {
    const next = this.dc.nextStop();
    await resume();
    this.stop = await next;
    assert.doesNotMatch(String(this.stop.body.description), /diverged/, `repetition ${this.rep}: ${this.dc.outputText('console')}`);
    return hitAt(this.dc, this.stop);
  }

  async forward(times: number): Promise<void> {
    for (let i = 0; i < times; i++) this.hits.push(await this.resume(() => this.dc.continueRequest({ threadId: this.stop.body.threadId })));
    assertForwardRun(this.hits, `repetition ${this.rep}, forward`);
  }

  /** Back one stop, by Step Back or Reverse Continue (each to the stop before: every stop is at the breakpoint). */
  async back(how: 'stepBack' | 'reverseContinue'): Promise<void> {
    const before = this.hits.slice(-4);
    const at = await this.resume(() => how === 'stepBack'
      ? this.dc.stepBackRequest({ threadId: this.stop.body.threadId })
      : this.dc.reverseContinueRequest({ threadId: this.stop.body.threadId }));
    this.hits.pop();
    assert.deepEqual(at, this.hits[this.hits.length - 1], `repetition ${this.rep}: ${how} lands on the stop before: ${showHits(before)}`);
  }
}

async function forwardAfterBackOnce(t: TestContext, rep: number): Promise<string> {
  const dc = await startClient(t);
  const s = new Session(dc, rep);
  s.stop = await dc.launchAndStop({ program: twins, args: [String(TWIN_ROUNDS)], snapshotDir: path.join(programs.dir, `snapshots-${rep}`) }, [{ file: 'twins.c', marker: 'HIT' }]);
  s.hits.push(await hitAt(dc, s.stop));
  await s.forward(LATE - 1);
  const first = showHits(s.hits.slice(-4));
  await s.back(rep % 2 ? 'stepBack' : 'reverseContinue');
  await s.forward(3);
  await s.back(rep % 2 ? 'reverseContinue' : 'stepBack');
  await s.back('stepBack');
  await s.forward(4);
  await s.back('stepBack');
  await s.forward(2);
  assert.doesNotMatch(dc.outputText('console'), /diverged/);
  await dc.stop();
  return `${first} → ${showHits(s.hits.slice(-6))}`;
}

test('going forward after going back shows the stops a run forward shows, twin processes, repetition after repetition', { timeout: 900000 }, async (t) => {
  const orders: string[] = [];
  for (let rep = 1; rep <= REPETITIONS; rep++) orders.push(await forwardAfterBackOnce(t, rep));
  t.diagnostic(`stops of each repetition: ${orders.join(' | ')}`);
});

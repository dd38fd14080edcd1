/**
 * Going back in a multi-threaded program with real gdb and the real engine:
 * three workers take turns at a breakpoint, each incrementing its own
 * counter. Reverse Continue and Step Back land on the stop before, in the
 * thread that stopped there, in its frame, with every counter as it was then;
 * going forward again runs on from there; no line is printed twice.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { Requests } from '../../adapter/protocol';
import { Programs, TestClient, lineOf, startClient } from '../fixtures/dapHarness';
import type { Stop } from '../fixtures/dapHarness';

const programs = new Programs();
let turns: string;

before(() => { turns = programs.build('turns'); });
after(() => programs.dispose());

/** What a stop shows: the stopped thread's name, its two top frames, its worker's id and all counters. */
interface Seen { thread: string; frames: string[]; id: string; counters: string }

async function seen(dc: TestClient, stop: Stop): Promise<Seen> {
  const threads = (await dc.threadsRequest()).body.threads;
  const thread = threads.find((th) => th.id === stop.body.threadId);
  assert.ok(thread, `the stopped thread ${stop.body.threadId} is listed: ${JSON.stringify(threads)}`);
  const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
  const worker = frames.find((f) => f.name === 'worker');
  assert.ok(worker, `a worker's stack: ${frames.map((f) => f.name).join(' < ')}`);
  const id = (await dc.evaluateRequest({ expression: 'id', frameId: worker.id })).body.result;
  const counters = (await dc.evaluateRequest({ expression: 'counters', frameId: frames[0].id })).body.result;
  return { thread: /worker-\d/.exec(thread.name)?.[0] ?? thread.name, frames: frames.slice(0, 2).map((f) => `${f.name}:${f.line}`), id, counters };
}

async function resumeAndStop(dc: TestClient, resume: () => Promise<unknown>): Promise<Stop> {
  const next = dc.nextStop();
  await resume();
  return next;
}

const BUMP = () => `bump:${lineOf('turns.c', 'BUMP')}`;
const CALL = () => `worker:${lineOf('turns.c', 'CALL')}`;

/** The stop at the n-th hit of #BUMP (from 0): the workers take turns 0, 1, 2, 0, ... */
function hit(n: number): Seen {
  const counters = [0, 1, 2].map((w) => Math.floor(n / 3) + (w < n % 3 ? 1 : 0));
  return { thread: `worker-${n % 3}`, frames: [BUMP(), CALL()], id: String(n % 3), counters: `{${counters.join(', ')}}` };
}

/** The lines the workers printed after their first `n` hits. */
function printed(n: number): string {
  return Array.from({ length: n }, (_, i) => `worker ${i % 3} round ${Math.floor(i / 3) + 1}\n`).join('');
}

test('going back in a multi-threaded program: the stop before, in its thread and frame, every counter as it was', { timeout: 300000 }, async (t) => {
  const dc = await startClient(t);
  let stop = await dc.launchAndStop({ program: turns, snapshotDir: path.join(programs.dir, 'snapshots-turns') }, [{ file: 'turns.c', marker: 'BUMP' }]);
  assert.deepEqual(await seen(dc, stop), hit(0));
  await dc.customRequest(Requests.saveSnapshot, { label: 'first hit' });
  for (let n = 1; n <= 5; n++) {
    stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
    assert.deepEqual(await seen(dc, stop), hit(n), `forward to hit ${n}`);
  }
  await dc.outputContains(printed(5), 'stderr');

  stop = await resumeAndStop(dc, () => dc.reverseContinueRequest({ threadId: stop.body.threadId }));
  assert.equal(stop.body.reason, 'breakpoint');
  assert.deepEqual(await seen(dc, stop), hit(4), 'Reverse Continue: the hit before');
  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await seen(dc, stop), hit(3), 'Step Back: the stop before');
  stop = await resumeAndStop(dc, () => dc.reverseContinueRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await seen(dc, stop), hit(2), 'Reverse Continue again');
  assert.equal(dc.outputText('stderr'), printed(5), 'what was re-executed is not shown again');

  // Forward from hit 2: the workers run on in their turns.
  stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await seen(dc, stop), hit(3), 'forward again');
  await dc.outputContains(printed(5) + 'worker 2 round 1\n', 'stderr');
  assert.equal(dc.outputText('stderr'), printed(5) + 'worker 2 round 1\n', 'printed again only once run again');
});

test('Step Back over steps in one worker while the others wait their turn', { timeout: 300000 }, async (t) => {
  const dc = await startClient(t);
  let stop = await dc.launchAndStop({ program: turns, snapshotDir: path.join(programs.dir, 'snapshots-steps') }, [{ file: 'turns.c', marker: 'BUMP' }]);
  await dc.customRequest(Requests.saveSnapshot, {});
  for (let n = 1; n <= 4; n++) stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await seen(dc, stop), hit(4));
  // worker-1 after its second bump: out of bump (to the print), over the print, over handing the turn on.
  const bumped = { thread: 'worker-1', id: '1', counters: '{2, 2, 1}' };
  const at = (line: string): Seen => ({ ...bumped, frames: [`worker:${lineOf('turns.c', line)}`] });
  const top = async (s: Stop): Promise<Seen> => { const v = await seen(dc, s); return { ...v, frames: v.frames.slice(0, 1) }; };
  stop = await resumeAndStop(dc, () => dc.stepOutRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await top(stop), at('PRINT'), 'Step Out');
  stop = await resumeAndStop(dc, () => dc.nextRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await top(stop), at('HAND'), 'Step Over the print');
  stop = await resumeAndStop(dc, () => dc.nextRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await top(stop), at('BROADCAST'), 'Step Over handing the turn on');
  await dc.outputContains(printed(5), 'stderr');

  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  assert.equal(stop.body.reason, 'step');
  assert.deepEqual(await top(stop), at('HAND'), 'back before handing the turn on');
  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await top(stop), at('PRINT'), 'back before the print');
  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await seen(dc, stop), hit(4), 'back in bump');
  assert.equal(dc.outputText('stderr'), printed(5), 'the line is printed once');

  // Forward by steps again: the same lines, the line printed once more now.
  stop = await resumeAndStop(dc, () => dc.stepOutRequest({ threadId: stop.body.threadId }));
  stop = await resumeAndStop(dc, () => dc.nextRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await top(stop), at('HAND'));
  await dc.outputContains(printed(5) + 'worker 1 round 2\n', 'stderr');
});

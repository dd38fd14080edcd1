/**
 * Going back through a program whose path depends on the clock and on random
 * bytes, with real gdb and the real engine: with "deterministicReplay" (the
 * default) the re-execution reads the values the original run read and
 * arrives exactly where the timeline says; without it they are read live.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Requests } from '../../adapter/protocol';
import { Programs, TestClient, lineOf, startClient } from '../fixtures/dapHarness';
import type { Stop } from '../fixtures/dapHarness';

const programs = new Programs();
let program: string;
const BRANCHES = [{ file: 'clockbranch.c', marker: 'ODD' }, { file: 'clockbranch.c', marker: 'EVEN' }];

before(() => { program = programs.build('clockbranch'); });
after(() => programs.dispose());

/** Where the program stands and what it read from the clock and getrandom there. */
async function state(dc: TestClient, stop: Stop): Promise<{ line: number; round: string; stamp: string; rnd: string; taken: string }> {
  const frame = await dc.topFrame(stop.body.threadId);
  const value = async (expression: string) => (await dc.evaluateRequest({ expression, frameId: frame.id })).body.result;
  return { line: frame.line, round: await value('round'), stamp: await value('stamp'), rnd: await value('rnd'), taken: await value('taken') };
}

async function resumeAndStop(dc: TestClient, resume: () => Promise<unknown>): Promise<Stop> {
  const next = dc.nextStop();
  await resume();
  return next;
}

/** One snapshot at the first branch taken, then eight Continues; the state at each of the nine stops. */
async function runForward(dc: TestClient, options: Record<string, unknown>): Promise<{ stop: Stop; seen: Awaited<ReturnType<typeof state>>[] }> {
  let stop = await dc.launchAndStop({ program, ...options }, BRANCHES);
  await dc.customRequest(Requests.saveSnapshot, { label: 'round 1' });
  const seen = [await state(dc, stop)];
  for (let i = 0; i < 8; i++) {
    stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
    seen.push(await state(dc, stop));
  }
  assert.deepEqual(seen.map((s) => s.round), ['1', '2', '3', '4', '5', '6', '7', '8', '9']);
  return { stop, seen };
}

test('Reverse Continue and Step Back through clock- and random-driven branches arrive exactly', async (t) => {
  const dc = await startClient(t);
  let { stop, seen } = await runForward(dc, { snapshotDir: path.join(programs.dir, 'snapshots-replayed') });

  stop = await resumeAndStop(dc, () => dc.reverseContinueRequest({ threadId: stop.body.threadId }));
  assert.equal(stop.body.reason, 'breakpoint');
  assert.deepEqual(await state(dc, stop), seen[7], 'round 8 as it was: the same branch, clock and random values');
  stop = await resumeAndStop(dc, () => dc.reverseContinueRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await state(dc, stop), seen[6], 'round 7 as it was');

  // Step Over to the print of round 7, then Step Back: rounds 1 to 7 re-executed up to the branch.
  stop = await resumeAndStop(dc, () => dc.nextRequest({ threadId: stop.body.threadId }));
  assert.equal((await state(dc, stop)).line, lineOf('clockbranch.c', 'PRINT'));
  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await state(dc, stop), seen[6], 'the branch of round 7 again, with its clock and random values');

  // Forward again: the rest of the original run's values come back, then live ones.
  stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await state(dc, stop), seen[7]);
  stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await state(dc, stop), seen[8]);
  stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
  assert.equal((await state(dc, stop)).round, '10', 'past the end of the log: read live');
  assert.doesNotMatch(dc.outputText('console'), /diverged/, 'no re-execution diverged');
});

test('with "deterministicReplay": false the clock is read live when going back', async (t) => {
  const dc = await startClient(t);
  let { stop, seen } = await runForward(dc, { snapshotDir: path.join(programs.dir, 'snapshots-live'), deterministicReplay: false });
  const next = dc.nextStop();
  next.catch(() => undefined);
  const refused = await dc.reverseContinueRequest({ threadId: stop.body.threadId }).then(() => undefined, (err: Error) => err);
  if (refused) {
    // The branches went another way, to the program's end: said so.
    assert.match(refused.message, /Going back to stop 8 failed after stop \d+/);
    assert.match(refused.message, /Clock and random values were read anew \("deterministicReplay" is off\)/);
    return;
  }
  stop = await next;
  // Either the branches went another way (said so), or they happened to
  // match and the values read are new ones.
  const diverged = /diverged.*Clock and random values were read anew/.test(dc.outputText('console'));
  const now = await state(dc, stop);
  assert.ok(diverged || now.stamp !== seen[7].stamp, `round 8 read the clock live: ${JSON.stringify(now)} vs ${JSON.stringify(seen[7])}`);
});

test('a file read differently still diverges, and the message says which inputs are replayed', async (t) => {
  const diverge = programs.build('diverge');
  const flagFile = path.join(programs.dir, 'flag');
  fs.writeFileSync(flagFile, '1\n');
  const dc = await startClient(t);
  let stop = await dc.launchAndStop({ program: diverge, args: [flagFile], snapshotDir: path.join(programs.dir, 'snapshots-diverge') },
    [{ file: 'diverge.c', marker: 'START' }]);
  await dc.customRequest(Requests.saveSnapshot, {});
  for (let i = 0; i < 3; i++) stop = await resumeAndStop(dc, () => dc.nextRequest({ threadId: stop.body.threadId }));
  fs.writeFileSync(flagFile, '0\n');
  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  assert.equal((await dc.topFrame(stop.body.threadId)).line, lineOf('diverge.c', 'NO'));
  await dc.outputContains('diverged', 'console');
  assert.match(dc.outputText('console'),
    /diverged after stop \d+: .*Clock and random values \(clock_gettime, gettimeofday, time, getrandom, getentropy\) were replayed as first read; files, sockets to outside the program, thread scheduling and signals are not\./);
});

test('"deterministicReplay" must be true or false', async (t) => {
  const dc = await startClient(t);
  await assert.rejects(
    Promise.all([dc.configurationSequence(), dc.launch({ program, deterministicReplay: 'yes' })]),
    /"deterministicReplay" must be true or false/,
  );
});

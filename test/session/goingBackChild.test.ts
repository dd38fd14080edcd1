/**
 * Going back in a program with a child process, with real gdb and the real
 * engine: the child writes lines into a pipe one at a time, the parent reads
 * them. Going back restores both processes and re-executes both: the parent
 * reads the same lines again, the child stands where it stood then, and
 * neither's output is shown twice.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { Requests } from '../../adapter/protocol';
import { Programs, TestClient, lineOf, sourceOf, startClient } from '../fixtures/dapHarness';
import type { Stop } from '../fixtures/dapHarness';

const programs = new Programs();
let pipechild: string;

before(() => { pipechild = programs.build('pipechild'); });
after(() => programs.dispose());

const pidOf = (name: string): string | undefined => /\[process (\d+)\]/.exec(name)?.[1];

/** The parent's `got` and `line` at a stop at #GOT, and the child's `sent`, read in the child's own thread. */
async function seen(dc: TestClient, stop: Stop): Promise<{ got: string; line: string; sent: string }> {
  const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
  assert.deepEqual([frames[0].name, frames[0].line], ['main', lineOf('pipechild.c', 'GOT')]);
  const got = (await dc.evaluateRequest({ expression: 'got', frameId: frames[0].id })).body.result;
  const line = (await dc.evaluateRequest({ expression: 'line', frameId: frames[0].id })).body.result;
  const threads = (await dc.threadsRequest()).body.threads;
  const parent = pidOf(threads.find((th) => th.id === stop.body.threadId)!.name);
  const child = threads.filter((th) => pidOf(th.name) !== parent);
  assert.equal(child.length, 1, `one thread of the child: ${JSON.stringify(threads)}`);
  const childFrames = (await dc.stackTraceRequest({ threadId: child[0].id })).body.stackFrames;
  const inChild = childFrames.find((f) => f.name === 'child');
  assert.ok(inChild, `the child's stack: ${childFrames.map((f) => f.name).join(' < ')}`);
  const sent = (await dc.evaluateRequest({ expression: 'sent', frameId: inChild.id })).body.result;
  return { got, line: /"(.*)"/.exec(line)?.[1] ?? line, sent };
}

/** The parent at its n-th line: it has read n lines, the child has sent n and waits for the ack of the n-th. */
function atLine(n: number): { got: string; line: string; sent: string } {
  return { got: String(n - 1), line: `line ${n}\\n`, sent: String(n) };
}

async function resumeAndStop(dc: TestClient, resume: () => Promise<unknown>): Promise<Stop> {
  const next = dc.nextStop();
  await resume();
  return next;
}

/** The lines a process printed, in order: the parent's (`parent`) or the child's (`child`). */
function printed(dc: TestClient, who: 'parent' | 'child'): string[] {
  return dc.outputText('stderr').split('\n').filter((l) => l.startsWith(who === 'parent' ? 'parent got ' : 'child sends '));
}

/** Waits until both processes printed as much as this (their lines interleave in no set order). */
async function expectPrinted(dc: TestClient, parentGot: number[], childSends: number[], what: string): Promise<void> {
  const parent = parentGot.map((n) => `parent got line ${n}`);
  const child = childSends.map((n) => `child sends ${n}`);
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline && (printed(dc, 'parent').length < parent.length || printed(dc, 'child').length < child.length)) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual({ parent: printed(dc, 'parent'), child: printed(dc, 'child') }, { parent, child }, what);
}

test('going back in a program with a child: both restored, both re-executed, nothing shown twice', { timeout: 300000 }, async (t) => {
  const dc = await startClient(t);
  let stop = await dc.launchAndStop({ program: pipechild, snapshotDir: path.join(programs.dir, 'snapshots-child') }, [{ file: 'pipechild.c', marker: 'GOT' }]);
  assert.deepEqual(await seen(dc, stop), atLine(1));
  const saved = (await dc.customRequest(Requests.saveSnapshot, { label: 'first line' })).body as { snapshot: { processes: number } };
  assert.equal(saved.snapshot.processes, 2, 'parent and child');
  for (let n = 2; n <= 4; n++) {
    stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
    assert.deepEqual(await seen(dc, stop), atLine(n), `forward to line ${n}`);
  }
  await expectPrinted(dc, [1, 2, 3], [1, 2, 3, 4], 'the first run');

  stop = await resumeAndStop(dc, () => dc.reverseContinueRequest({ threadId: stop.body.threadId }));
  assert.equal(stop.body.reason, 'breakpoint');
  assert.deepEqual(await seen(dc, stop), atLine(3), 'Reverse Continue: the line before, in both processes');
  stop = await resumeAndStop(dc, () => dc.stepBackRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await seen(dc, stop), atLine(2), 'Step Back: the stop before');
  await new Promise((r) => setTimeout(r, 500));
  await expectPrinted(dc, [1, 2, 3], [1, 2, 3, 4], 'what was re-executed is not shown again');

  // Forward again from line 2: the parent prints it again, the child sends line 3 again.
  stop = await resumeAndStop(dc, () => dc.continueRequest({ threadId: stop.body.threadId }));
  assert.deepEqual(await seen(dc, stop), atLine(3), 'forward again');
  await expectPrinted(dc, [1, 2, 3, 2], [1, 2, 3, 4, 3], 'run again from line 2');
  await dc.setBreakpointsRequest({ source: { path: sourceOf('pipechild.c') }, breakpoints: [] });
  const ended = dc.waitForEvent('terminated');
  await dc.continueRequest({ threadId: stop.body.threadId });
  await ended;
  await expectPrinted(dc, [1, 2, 3, 2, 3, 4, 5], [1, 2, 3, 4, 3, 4, 5], 'both run on to their end');
  assert.match(dc.outputText('stderr'), /parent: 5 lines, child exit 0\n/);
});

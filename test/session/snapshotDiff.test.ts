/**
 * `ckpt/diffSnapshots`: two snapshots of a debugged program compared by the
 * engine (memory page by page, threads, descriptors) while the program goes on.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { Requests, ViewRequests } from '../../adapter/protocol';
import type { DiffSnapshotsResult, SaveSnapshotResult } from '../../adapter/protocol';
import { PROGRAMS_DIR as PROGRAMS, Programs, lineOf, startClient } from '../fixtures/dapHarness';

const programs = new Programs();
let basic: string;

before(() => {
  basic = programs.build('basic');
});
after(() => programs.dispose());

test('two snapshots taken at two stops differ in the stack; one compared with itself does not', async (t) => {
  const dc = await startClient(t);
  const source = { path: path.join(PROGRAMS, 'basic.c') };
  const snapshotDir = path.join(programs.dir, 'snapshots-diff');
  const stop = await dc.launchAndStop({ program: basic, snapshotDir }, [{ file: 'basic.c', marker: 'SQUARE_BODY', condition: 'v == 3' }]);
  const first = ((await dc.customRequest(Requests.saveSnapshot, {})).body as SaveSnapshotResult).snapshot.id;
  await dc.setBreakpointsRequest({ source, breakpoints: [{ line: lineOf('basic.c', 'AFTER_CALL') }] });
  const later = dc.nextStop();
  await dc.continueRequest({ threadId: stop.body.threadId });
  await later;
  const second = ((await dc.customRequest(Requests.saveSnapshot, {})).body as SaveSnapshotResult).snapshot.id;

  const diff = (await dc.customRequest(ViewRequests.diffSnapshots, { from: first, to: second })).body as DiffSnapshotsResult;
  assert.deepEqual([diff.from, diff.to], [first, second]);
  assert.equal(diff.processes.length, 1);
  assert.deepEqual([diff.processesAdded, diff.processesRemoved], [[], []]);
  const [proc] = diff.processes;
  assert.equal(proc.pageSize, 4096);
  const stack = proc.regions.find((g) => g.kind === 'stack');
  assert.ok(stack, JSON.stringify(proc.regions.map((g) => g.kind)));
  assert.ok((stack.changedPages ?? 0) > 0, 'the stack changed between the two stops');
  assert.equal(diff.changedPages, proc.regions.reduce((n, g) => n + (g.changedPages ?? 0), 0));
  assert.equal(proc.threads.same.length, 1);

  const same = (await dc.customRequest(ViewRequests.diffSnapshots, { from: second, to: second })).body as DiffSnapshotsResult;
  assert.equal(same.changedPages, 0);

  await assert.rejects(dc.customRequest(ViewRequests.diffSnapshots, { from: first }), /"to" must be a non-empty string/);
  await assert.rejects(dc.customRequest(ViewRequests.diffSnapshots, { from: first, to: '99' }), /no snapshot 99/);
});

/**
 * After a restore, the live resource tables are the restored program's: its
 * processes under their new kernel pids, with the virtual pids they had.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Events, Requests } from '../../adapter/protocol';
import type { ResourcesResult, SaveSnapshotResult } from '../../adapter/protocol';
import { PROGRAMS_DIR, Programs, lineOf, startClient } from '../fixtures/dapHarness';

const programs = new Programs();
let basic: string;

before(() => { basic = programs.build('basic'); });
after(() => programs.dispose());

test('the live tables after a restore are the restored program\'s, and a snapshot\'s own can be read then', async (t) => {
  const dc = await startClient(t);
  const changed: string[] = [];
  dc.on(Events.resourcesChanged, (e: DebugProtocol.Event) => changed.push(e.body.reason));
  const source = { path: path.join(PROGRAMS_DIR, 'basic.c') };
  const stop = await dc.launchAndStop({ program: basic, snapshotDir: path.join(programs.dir, 'snapshots') }, [{ file: 'basic.c', marker: 'BP1' }]);
  const saved = (await dc.customRequest(Requests.saveSnapshot, {})).body as SaveSnapshotResult;
  const before = (await dc.customRequest(Requests.resources, {})).body as ResourcesResult;

  await dc.setBreakpointsRequest({ source, breakpoints: [{ line: lineOf('basic.c', 'END') }] });
  const atEnd = dc.nextStop();
  await dc.continueRequest({ threadId: stop.body.threadId });
  await atEnd;
  // The Resources view asks again as soon as the restored process is announced,
  // while gdb still holds the program for the restore: the request waits for the
  // restore and is answered for the program as it then is, stopped: from /proc
  // (an order to the engine would wait for gdb, and its answer adds the plugins' fields).
  let during: Promise<DebugProtocol.Response> | undefined;
  const announced = (e: DebugProtocol.Event): void => {
    if (during || e.body.reason !== 'started') return;
    during = dc.customRequest(Requests.resources, {});
  };
  dc.on(Events.resourcesChanged, announced);
  const restored = dc.nextStop();
  await dc.customRequest(Requests.restoreSnapshot, { id: saved.snapshot.id });
  await restored;
  assert.ok(changed.includes('restored'), `resourcesChanged events: ${changed}`);
  assert.ok(during, 'the restored process was announced during the restore');
  const waited = (await during).body as ResourcesResult;
  assert.deepEqual(waited.processes.map((p) => p.vpid), before.processes.map((p) => p.vpid));
  assert.notEqual(waited.processes[0].pid, before.processes[0].pid, 'the restored process, not the one it replaced');
  assert.ok(waited.processes.every((p) => p.plugins === undefined), 'read from /proc, as for a stopped program');

  const live = (await dc.customRequest(Requests.resources, {})).body as ResourcesResult;
  assert.equal(live.source, 'live');
  assert.deepEqual(live.processes.map((p) => p.vpid), before.processes.map((p) => p.vpid));
  assert.notEqual(live.processes[0].pid, before.processes[0].pid, 'the restored process runs under a new kernel pid');
  const ofSnapshot = (await dc.customRequest(Requests.resources, { snapshot: saved.snapshot.id })).body as ResourcesResult;
  assert.equal(ofSnapshot.source, saved.snapshot.id);
  assert.deepEqual(ofSnapshot.processes.map((p) => p.vpid), before.processes.map((p) => p.vpid));
});

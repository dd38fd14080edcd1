/**
 * Attaching to a computation started by `ckpt launch`: the real CLI, the real
 * engine, a real gdb attached to the running program, then detached again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { ctlKill } from '../../adapter/engine';
import { Requests } from '../../adapter/protocol';
import type { ListSnapshotsResult, ResourcesResult, SaveSnapshotResult } from '../../adapter/protocol';
import { Programs, TIMEOUT_MS, lineOf, sourceOf, startClient } from '../fixtures/dapHarness';

const programs = new Programs();
const CLI = path.resolve(__dirname, '..', '..', 'adapter', 'cli', 'ckpt.js');
let spin: string;

before(() => { spin = programs.build('spin'); });
after(() => programs.dispose());

function procStatus(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const m = /^(\w+):\s*(.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** `ckpt launch --dir DIR -- spin`, running until the test ends. */
async function launchComputation(t: { after: (fn: () => Promise<void> | void) => void }, name: string): Promise<string> {
  const dir = path.join(programs.dir, name);
  const cli = spawn(process.execPath, [CLI, 'launch', '--dir', dir, '--', spin], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(async () => {
    await ctlKill(dir).catch(() => undefined);
    cli.kill('SIGKILL');
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ckpt launch did not start spin: ${out}`)), TIMEOUT_MS);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('spin: running')) { clearTimeout(timer); resolve(); }
    };
    cli.stdout.on('data', onData);
    cli.stderr.on('data', onData);
    cli.once('exit', (code) => { clearTimeout(timer); reject(new Error(`ckpt launch exited (${code}): ${out}`)); });
  });
  return dir;
}

test('attach to a `ckpt launch` computation, stop at a breakpoint, read its tables, detach', async (t) => {
  const dir = await launchComputation(t, 'attach-ok');
  const dc = await startClient(t);
  const stopped = dc.nextStop();
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      await dc.setBreakpointsRequest({ source: { path: sourceOf('spin.c') }, breakpoints: [{ line: lineOf('spin.c', 'SPIN') }] });
      await dc.configurationDoneRequest();
    }),
    dc.initializeRequest().then(() => dc.attachRequest({ snapshotDir: dir } as never)),
  ]);
  const stop = await stopped;
  assert.equal(stop.body.reason, 'breakpoint');
  const frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.name, 'main');
  assert.equal(frame.line, lineOf('spin.c', 'SPIN'));

  const threads = (await dc.threadsRequest()).body.threads;
  const pid = Number(/LWP (\d+)/.exec(threads[0].name)?.[1]);
  assert.notEqual(procStatus(pid).TracerPid, '0', 'gdb traces the program');
  const tables = (await dc.customRequest(Requests.resources, {})).body as ResourcesResult;
  assert.equal(tables.processes.length, 1);
  assert.equal(tables.processes[0].pid, pid);
  const list = (await dc.customRequest(Requests.listSnapshots, {})).body as ListSnapshotsResult;
  assert.deepEqual(list.snapshots, []);

  // A snapshot at the breakpoint, through the computation's own coordinator.
  const saved = (await dc.customRequest(Requests.saveSnapshot, { label: 'attached' })).body as SaveSnapshotResult;
  assert.equal(saved.snapshot.label, 'attached');
  const after = (await dc.customRequest(Requests.listSnapshots, {})).body as ListSnapshotsResult;
  assert.deepEqual(after.snapshots.map((s) => s.id), [saved.snapshot.id]);
  assert.equal((await dc.topFrame(stop.body.threadId)).line, lineOf('spin.c', 'SPIN'), 'still at the breakpoint');

  // Disconnecting from an attached program leaves it running, untraced.
  await dc.continueRequest({ threadId: stop.body.threadId }).catch(() => undefined);
  await dc.disconnectRequest({ terminateDebuggee: false });
  const deadline = Date.now() + TIMEOUT_MS;
  while (procStatus(pid).TracerPid !== '0' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const status = procStatus(pid);
  assert.equal(status.TracerPid, '0', 'detached');
  assert.match(status.State, /^[RS]/, `running again (${status.State})`);
});

test('attach without a computation says how to start one', async (t) => {
  const dc = await startClient(t);
  const dir = path.join(programs.dir, 'nothing-here');
  await assert.rejects(
    dc.initializeRequest().then(() => dc.attachRequest({ snapshotDir: dir } as never)),
    /No computation is running in .*nothing-here.*ckpt launch --dir/,
  );
});

/**
 * Attaching to a computation started by `ckpt launch`: the real CLI, the real
 * engine, a real gdb attached to the running program, then detached again.
 */
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { ctlKill } from '../../adapter/engine';
import { Requests } from '../../adapter/protocol';
import type { ListSnapshotsResult, ResourcesResult, SaveSnapshotResult } from '../../adapter/protocol';
import { sigintPending } from '../../adapter/session/pendingInterrupt';
import { Programs, TIMEOUT_MS, lineOf, sourceOf, startClient } from '../fixtures/dapHarness';
import type { Stop, TestClient } from '../fixtures/dapHarness';

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
async function launchComputation(t: { after: (fn: () => Promise<void> | void) => void }, name: string): Promise<{ dir: string; output: () => string }> {
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
  return { dir, output: () => out };
}

/** Attaches a session to the computation in `dir`, with a breakpoint in spin's loop; resolves at its first stop. */
async function attachAndStop(t: TestContext, dir: string): Promise<{ dc: TestClient; stop: Stop; pid: number }> {
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
  const threads = (await dc.threadsRequest()).body.threads;
  return { dc, stop, pid: Number(/LWP (\d+)/.exec(threads[0].name)?.[1]) };
}

/** Once the session is gone: the program runs on, untraced (or the test fails with what `ckpt launch` said of its end). */
async function expectRunningUntraced(pid: number, output: () => string): Promise<void> {
  let last: Record<string, string> = {};
  const statusOrEnd = async () => {
    try {
      last = procStatus(pid);
      return last;
    } catch {
      await new Promise((r) => setTimeout(r, 1000));
      throw new Error(`the program ended after the detach (last seen: ${JSON.stringify({ State: last.State, TracerPid: last.TracerPid })}); ckpt launch printed: ${output()}`);
    }
  };
  const deadline = Date.now() + TIMEOUT_MS;
  while ((await statusOrEnd()).TracerPid !== '0' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  // A signal left to it would end it a moment after the detach: look again a little later.
  await new Promise((r) => setTimeout(r, 300));
  const status = await statusOrEnd();
  assert.equal(status.TracerPid, '0', 'detached');
  assert.match(status.State, /^[RS]/, `running again (${status.State})`);
}

test('attach to a `ckpt launch` computation, stop at a breakpoint, read its tables, detach', async (t) => {
  const { dir, output } = await launchComputation(t, 'attach-ok');
  const { dc, stop, pid } = await attachAndStop(t, dir);
  const frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.name, 'main');
  assert.equal(frame.line, lineOf('spin.c', 'SPIN'));

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

  // Disconnecting from an attached program leaves it running, untraced: also
  // when the disconnect's interrupt meets the breakpoint, hit every millisecond.
  await dc.continueRequest({ threadId: stop.body.threadId }).catch(() => undefined);
  await dc.disconnectRequest({ terminateDebuggee: false });
  await expectRunningUntraced(pid, output);
});

test('a SIGINT waiting for the attached program when the session detaches does not end it', async (t) => {
  // gdb interrupts with SIGINT; one that a breakpoint stop overtook waits in
  // the kernel the same way as this one, sent while gdb holds the program.
  const { dir, output } = await launchComputation(t, 'attach-sigint');
  const { dc, pid } = await attachAndStop(t, dir);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + TIMEOUT_MS;
  while (!sigintPending(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(sigintPending(pid), 'the SIGINT waits while gdb holds the program');
  await dc.disconnectRequest({ terminateDebuggee: false });
  await expectRunningUntraced(pid, output);
  assert.equal(sigintPending(pid), false, 'taken out before the detach');
});

test('attach without a computation says how to start one', async (t) => {
  const dc = await startClient(t);
  const dir = path.join(programs.dir, 'nothing-here');
  await assert.rejects(
    dc.initializeRequest().then(() => dc.attachRequest({ snapshotDir: dir } as never)),
    /No computation is running in .*nothing-here.*ckpt launch --dir/,
  );
});

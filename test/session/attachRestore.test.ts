/**
 * Restoring from a debugger attached to a `ckpt launch` computation: the
 * `ckpt launch` process replaces its program by the snapshot (in its own
 * stdout) and the adapter takes the restored program over. The real CLI, the
 * real engine, a real gdb.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { ctlInfo, ctlRequest } from '../../adapter/engine';
import { Requests } from '../../adapter/protocol';
import type { ListSnapshotsResult, SaveSnapshotResult } from '../../adapter/protocol';
import { Programs, TIMEOUT_MS, TestClient, lineOf, sourceOf, startClient } from '../fixtures/dapHarness';
import type { Stop } from '../fixtures/dapHarness';

const programs = new Programs();
const CLI = path.resolve(__dirname, '..', '..', 'adapter', 'cli', 'ckpt.js');
let ticker: string;

before(() => { ticker = programs.build('ticker'); });
after(() => programs.dispose());

interface Launched { dir: string; stdout: () => string; exited: () => boolean }

/** `ckpt launch --dir DIR -- ticker`, running until the test ends. */
async function launchTicker(t: { after: (fn: () => Promise<void> | void) => void }, name: string, args: string[] = []): Promise<Launched> {
  const dir = path.join(programs.dir, name);
  const cli = spawn(process.execPath, [CLI, 'launch', '--dir', dir, '--', ticker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(async () => {
    // Not the default wait of minutes: a coordinator that does not answer is killed below anyway.
    await ctlRequest(dir, { cmd: 'kill' }, 10000).catch(() => undefined);
    cli.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  let exited = false;
  cli.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  cli.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  cli.once('exit', () => { exited = true; });
  await waitFor(() => out.includes('ticker: running'), () => `ckpt launch did not start ticker: ${out}${err}`, () => exited);
  return { dir, stdout: () => out, exited: () => exited };
}

async function waitFor(done: () => boolean | Promise<boolean>, what: () => string, failed: () => boolean = () => false): Promise<void> {
  const end = Date.now() + TIMEOUT_MS;
  while (!(await done())) {
    if (failed() || Date.now() > end) throw new Error(what());
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function attach(dc: TestClient, dir: string, breakpointLines: number[]): Promise<Stop> {
  const stopped = dc.nextStop();
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      await dc.setBreakpointsRequest({ source: { path: sourceOf('ticker.c') }, breakpoints: breakpointLines.map((line) => ({ line })) });
      await dc.configurationDoneRequest();
    }),
    dc.initializeRequest().then(() => dc.attachRequest({ snapshotDir: dir } as never)),
  ]);
  return stopped;
}

/** `i` and `square` of main where the thread stopped, and the line. */
async function tickState(dc: TestClient, stop: Stop): Promise<{ line: number; i: number; square: number }> {
  const frame = await dc.topFrame(stop.body.threadId);
  const locals = await dc.scopeVariables(frame.id, 'Locals');
  const value = (name: string) => Number(locals.find((v) => v.name === name)?.value);
  return { line: frame.line, i: value('i'), square: value('square') };
}

function count(text: string, line: string): number {
  return text.split('\n').filter((l) => l === line).length;
}

test('attached: restore, Step Back, Reverse Continue and restart go back to a snapshot in the ckpt launch terminal', async (t) => {
  const launched = await launchTicker(t, 'attach-restore');
  const tick = lineOf('ticker.c', 'TICK');
  const dc = await startClient(t);
  const first = await attach(dc, launched.dir, [tick]);
  const at = await tickState(dc, first);
  assert.equal(at.line, tick);
  assert.ok(Number.isInteger(at.i) && at.i > 0, `i is a round number (${at.i})`);
  assert.equal(at.square, at.i * at.i);
  const originalPid = (await ctlInfo(launched.dir)).programPid;

  const saved = (await dc.customRequest(Requests.saveSnapshot, { label: 'attached' })).body as SaveSnapshotResult;
  const printed = `tick ${at.i} square ${at.square}`;
  const next = dc.nextStop();
  await dc.continueRequest({ threadId: first.body.threadId });
  const onward = await tickState(dc, await next);
  assert.equal(onward.i, at.i + 1);
  await waitFor(() => count(launched.stdout(), printed) === 1, () => `no '${printed}' in:\n${launched.stdout()}`);

  // Restore: the program is back at the breakpoint with the values of then.
  const restored = dc.nextStop();
  const list = (await dc.customRequest(Requests.restoreSnapshot, { id: saved.snapshot.id })).body as ListSnapshotsResult;
  assert.equal(list.restoredFrom, saved.snapshot.id);
  const back = await restored;
  assert.equal(back.body.reason, 'restore');
  assert.deepEqual(await tickState(dc, back), at);
  const info = await ctlInfo(launched.dir);
  assert.equal(info.restoredFrom, saved.snapshot.id);
  assert.notEqual(info.programPid, originalPid, 'ckpt launch runs the restored program now');
  assert.ok(!launched.exited(), 'ckpt launch goes on');

  // Forward again: the same line as after the first stop, in ckpt launch's stdout; the breakpoint holds.
  let stop = dc.nextStop();
  await dc.continueRequest({ threadId: back.body.threadId });
  assert.equal((await tickState(dc, await stop)).i, at.i + 1, 'the breakpoint is set again in the restored program');
  await waitFor(() => count(launched.stdout(), printed) === 2, () => `'${printed}' not printed again:\n${launched.stdout()}`);
  assert.equal(count(launched.stdout(), `tick ${at.i + 1} square ${(at.i + 1) * (at.i + 1)}`), 0, 'nothing of the round after');

  // Step Back: to the snapshot before this stop.
  stop = dc.nextStop();
  await dc.stepBackRequest({ threadId: back.body.threadId });
  let s = await stop;
  assert.equal(s.body.reason, 'restore');
  assert.deepEqual(await tickState(dc, s), at);

  // Reverse Continue, after running on.
  stop = dc.nextStop();
  await dc.continueRequest({ threadId: s.body.threadId });
  s = await stop;
  stop = dc.nextStop();
  await dc.reverseContinueRequest({ threadId: s.body.threadId });
  s = await stop;
  assert.deepEqual(await tickState(dc, s), at);

  // The DAP restart request naming the snapshot.
  stop = dc.nextStop();
  await dc.continueRequest({ threadId: s.body.threadId });
  s = await stop;
  stop = dc.nextStop();
  await dc.restartRequest({ arguments: { snapshot: saved.snapshot.id } } as never);
  s = await stop;
  assert.deepEqual(await tickState(dc, s), at);

  // Restart without a snapshot still needs a launched program.
  await assert.rejects(dc.restartRequest({} as never), /attached to a computation started elsewhere/);
  assert.ok(!launched.exited());
});

test('attached: a bad snapshot is refused and the program runs on untouched', async (t) => {
  const launched = await launchTicker(t, 'attach-bad');
  const tick = lineOf('ticker.c', 'TICK');
  const dc = await startClient(t);
  const first = await attach(dc, launched.dir, [tick]);
  const saved = (await dc.customRequest(Requests.saveSnapshot, {})).body as SaveSnapshotResult;
  await dc.setBreakpointsRequest({ source: { path: sourceOf('ticker.c') }, breakpoints: [] });
  await dc.continueRequest({ threadId: first.body.threadId });
  const pid = (await ctlInfo(launched.dir)).programPid;

  await assert.rejects(dc.customRequest(Requests.restoreSnapshot, { id: '99' }), /there is no snapshot 99/);
  // A damaged image: the restorer's check, in ckpt launch, refuses it before anything is killed.
  const snapDir = path.join(launched.dir, 'snapshots', saved.snapshot.id);
  const image = path.join(snapDir, fs.readdirSync(snapDir).find((f) => f.endsWith('.img'))!);
  fs.truncateSync(image, Math.floor(fs.statSync(image).size / 2));
  await assert.rejects(dc.customRequest(Requests.restoreSnapshot, { id: saved.snapshot.id }), new RegExp(`cannot restart snapshot ${saved.snapshot.id}: `));

  // Still the same program, running: it prints on.
  assert.equal((await ctlInfo(launched.dir)).programPid, pid);
  const length = launched.stdout().length;
  await waitFor(() => launched.stdout().length > length + 100, () => `the program stopped printing:\n${launched.stdout()}`);
  assert.ok(!launched.exited());
  const paused = dc.nextStop();
  await dc.pauseRequest({ threadId: first.body.threadId });
  assert.equal((await paused).body.reason, 'pause');
});

test('attached to two processes: restore brings both back, the breakpoint in the child holds', async (t) => {
  const launched = await launchTicker(t, 'attach-pair', ['fork']);
  await waitFor(async () => (await ctlInfo(launched.dir)).processes.length === 2, () => 'the child never said hello');
  const tick = lineOf('ticker.c', 'TICK');
  const dc = await startClient(t);
  const first = await attach(dc, launched.dir, [tick]);
  const at = await tickState(dc, first);
  assert.ok(Number.isInteger(at.i) && at.i > 0, `i is a round number (${at.i})`);
  const before = (await ctlInfo(launched.dir)).processes.map((p) => p.pid);
  const saved = (await dc.customRequest(Requests.saveSnapshot, {})).body as SaveSnapshotResult;
  assert.equal(saved.snapshot.processes, 2);

  const next = dc.nextStop();
  await dc.continueRequest({ threadId: first.body.threadId });
  assert.equal((await tickState(dc, await next)).i, at.i + 1);

  const restored = dc.nextStop();
  await dc.customRequest(Requests.restoreSnapshot, { id: saved.snapshot.id });
  const back = await restored;
  assert.equal(back.body.reason, 'restore');
  const after = (await ctlInfo(launched.dir)).processes.map((p) => p.pid);
  assert.equal(after.length, 2);
  assert.ok(after.every((pid) => !before.includes(pid)), 'both processes are new ones');
  const threads = (await dc.threadsRequest()).body.threads;
  assert.equal(threads.length, 2, `gdb holds both restored processes: ${JSON.stringify(threads)}`);
  // The child is back at the breakpoint with the values of then (the parent waits for it),
  // and the stop is shown in the child, where it was shown when the snapshot was saved.
  const states = await Promise.all(threads.map((th) => tickState(dc, { body: { threadId: th.id, reason: 'restore' } })));
  assert.deepEqual(states.filter((st) => st.line === tick), [at]);
  assert.deepEqual(await tickState(dc, back), at);

  const printed = `tick ${at.i} square ${at.square}`;
  const again = dc.nextStop();
  await dc.continueRequest({ threadId: back.body.threadId });
  assert.equal((await tickState(dc, await again)).i, at.i + 1);
  await waitFor(() => count(launched.stdout(), printed) === 2, () => `'${printed}' not printed twice:\n${launched.stdout()}`);
  assert.ok(!launched.exited());
});

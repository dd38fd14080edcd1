/**
 * A SIGINT that waits in the kernel for a program gdb holds: gdb's own
 * interrupt, overtaken by a breakpoint stop, or Ctrl-C in the program's
 * terminal while it stands at a breakpoint. A snapshot taken then must not
 * meet it in place of the engine's signal (see adapter/session/pendingInterrupt.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { Requests } from '../../adapter/protocol';
import type { SaveSnapshotResult } from '../../adapter/protocol';
import { sigintPending } from '../../adapter/session/pendingInterrupt';
import { Programs, TIMEOUT_MS, find, startClient } from '../fixtures/dapHarness';
import type { Stop, TestClient } from '../fixtures/dapHarness';

const programs = new Programs();
const built = new Map<string, string>();

before(() => { for (const name of ['spin', 'thread_child']) built.set(name, programs.build(name)); });
after(() => programs.dispose());

async function rounds(dc: TestClient, stop: Stop): Promise<number> {
  const frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.name, 'main');
  return Number(find(await dc.scopeVariables(frame.id, 'Locals'), 'rounds').value);
}

async function untilPending(pid: number): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!sigintPending(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(sigintPending(pid), 'the SIGINT waits while gdb holds the program');
}

// One thread; and a helper thread and a child, where only the thread that takes the SIGINT may move to take it.
for (const [name, marker, processes] of [['spin', 'SPIN', 1], ['thread_child', 'LOOP', 2]] as const) {
  test(`${name}: a snapshot at a breakpoint while a SIGINT waits for the program: saved, the program stays put, and restores`, { timeout: 300000 }, async (t) => {
    const dc = await startClient(t);
    const launch = { program: built.get(name), snapshotDir: path.join(programs.dir, `snapshots-${name}`), autoSnapshot: false };
    let stop = await dc.launchAndStop(launch, [{ file: `${name}.c`, marker }]);
    const threads = (await dc.threadsRequest()).body.threads;
    const shown = threads.find((th) => th.id === stop.body.threadId)!;
    const pid = Number(/LWP (\d+)/.exec(shown.name)?.[1] ?? /process (\d+)/.exec(shown.name)?.[1]);
    const at = await rounds(dc, stop);
    process.kill(pid, 'SIGINT');
    await untilPending(pid);

    const saved = (await dc.customRequest(Requests.saveSnapshot, { label: 'sigint waiting' })).body as SaveSnapshotResult;
    assert.equal(saved.snapshot.processes, processes);
    assert.equal(sigintPending(pid), false, 'taken out before the snapshot');
    assert.equal(await rounds(dc, stop), at, 'the program stays put');

    const next = dc.nextStop();
    await dc.continueRequest({ threadId: stop.body.threadId });
    stop = await next;
    assert.equal(stop.body.reason, 'breakpoint', 'the next stop is the breakpoint, not the SIGINT');
    assert.equal(await rounds(dc, stop), at + 1);

    const restored = dc.nextStop();
    await dc.customRequest(Requests.restoreSnapshot, { id: saved.snapshot.id });
    stop = await restored;
    assert.equal(await rounds(dc, stop), at, 'restored where it was saved');
  });
}

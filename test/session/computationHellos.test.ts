/**
 * The Resources request at a first stop: the hellos of the processes gdb
 * holds may still be on their way to the coordinator. The tables wait for
 * them (bounded) instead of answering that no program runs. A stand-in
 * computation delivers its hellos late; the real engine is driven by
 * engine.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineHello, ResourceTables, SnapshotInfo, SnapshotStore } from '../../adapter/engine';
import { Computation } from '../../adapter/session/computation';

class LateHellos extends Computation {
  asked = 0;
  constructor(private readonly hellos: EngineHello[], private readonly lateBy: number) { super(); }
  get store(): SnapshotStore { throw new Error('not used'); }
  async restoredFrom(): Promise<string | undefined> { return undefined; }
  async processes(): Promise<EngineHello[]> {
    this.asked++;
    return this.hellos.slice(0, Math.max(0, this.asked - this.lateBy));
  }
  async status(): Promise<ResourceTables> {
    const processes = (await this.processes()).map((h) => ({ vpid: h.vpid, pid: h.pid }));
    return { processes } as unknown as ResourceTables;
  }
  checkpointHeld(): Promise<SnapshotInfo> { throw new Error('not used'); }
  restartHeld(): Promise<number[]> { throw new Error('not used'); }
  onSnapshot(): void { /* none */ }
  dispose(): void { /* none */ }
}

const hello = (pid: number, vpid: number): EngineHello => ({ pid, vpid } as unknown as EngineHello);

test('the tables wait for the hellos of every process the debugger holds', async () => {
  const c = new LateHellos([hello(101, 1), hello(102, 2)], 3);
  const hellos = await c.hellosOf(() => [101, 102]);
  assert.deepEqual(hellos.map((h) => h.pid), [101, 102], 'parent and forked child, though both came late');
  assert.equal(c.asked, 5);
});

test('a process without a hello does not hold the answer past the bound', async () => {
  const c = new LateHellos([hello(101, 1)], 0);
  const started = Date.now();
  const hellos = await c.hellosOf(() => [101, 999], 200);
  assert.deepEqual(hellos.map((h) => h.pid), [101]);
  assert.ok(Date.now() - started >= 200, 'it waited for the missing one');
});

test('no hello at all, even after waiting: the request is answered that no program runs', async () => {
  const c = new LateHellos([], 0);
  const started = Date.now();
  await assert.rejects(c.tables(undefined, () => false, () => []), /no program is running under the checkpoint engine/);
  assert.ok(Date.now() - started >= 4000, 'it waited for a first hello');
});

test('running (not held), the tables come from the engine once the first hello is in', async () => {
  const c = new LateHellos([hello(101, 1)], 2);
  const tables = await c.tables(undefined, () => false);
  assert.deepEqual(tables.processes.map((p) => p.pid), [101]);
});

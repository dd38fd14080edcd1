import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type { EngineHello } from '../../adapter/engine/engineConnection';
import { compileC } from '../fixtures/cliRunner';
import { tempDir, waitFor } from '../fixtures/harness';
import { collect, coordinatorsEndedAfter, engineSkip } from './fixtures/realCoordinators';
import { runPlain, STEPPER_C } from './fixtures/stepper';

const openCoordinator = coordinatorsEndedAfter();

describe('Coordinator API with the real engine (what the debug adapter uses)', { skip: engineSkip }, () => {
  test('launch, checkpoint, status, hibernate, restart: events and statuses', async () => {
    const work = tempDir('ckpt-api-');
    const stepper = compileC(work, 'stepper', STEPPER_C);
    const c = await openCoordinator(path.join(work, 'd'));
    const hellos: EngineHello[] = [];
    const gone: EngineHello[] = [];
    c.on('hello', (h: EngineHello) => hellos.push(h));
    c.on('processExit', (h: EngineHello) => gone.push(h));

    const firstHello = once(c, 'hello');
    const launched = await c.launch(stepper, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    const out = collect(launched.child.stdout);
    const [hello] = (await firstHello) as [EngineHello];
    assert.equal(hello.pid, launched.pid);
    assert.equal(hello.restored, false);
    assert.deepEqual(c.processes(), [hello]);

    launched.child.stdin!.write('nnn');
    await waitFor(() => /step 2 /.test(out.text), 'three steps');
    const tables = await c.status();
    assert.deepEqual(tables.processes.map((p) => [p.vpid, p.pid]), [[hello.vpid, hello.pid]]);
    assert.ok(tables.processes[0].threads.some((t) => t.vtid === hello.vpid));

    const snap = await c.checkpoint({ label: 'three', kill: true });
    assert.equal(snap.label, 'three');
    const status = await launched.exited;
    assert.deepEqual(status, { code: null, signal: 'SIGKILL', status: 0, hibernated: true });
    await waitFor(() => gone.length === 1, 'the process exit event');
    assert.equal(c.runningProgram, undefined);

    const restoredHello = once(c, 'hello');
    const restored = await c.startRestart(snap.id, { stdio: ['pipe', 'pipe', 'inherit'] });
    const out2 = collect(restored.child.stdout);
    const [again] = (await restoredHello) as [EngineHello];
    assert.equal(again.restored, true);
    assert.equal(again.vpid, hello.vpid, 'the virtual pid survives the restart');
    assert.equal(again.pid, restored.pid);
    assert.equal(typeof again.restoreUs, 'number');
    assert.equal(c.restoredFrom, snap.id);

    // A snapshot of the restored program records where it came from.
    restored.child.stdin!.write('n');
    await waitFor(() => /step 3 /.test(out2.text), 'a step after the restart');
    const second = await c.checkpoint();
    assert.equal(c.store.manifest(second.id).restoredFrom, snap.id);

    restored.child.stdin!.end('n');
    const end = await restored.exited;
    assert.deepEqual(end, { code: 0, signal: null, status: 0, hibernated: false });
    assert.equal(out.text + out2.text, await runPlain(stepper, [], 'nnnnn'), 'the same output as an uninterrupted run');
    assert.equal(hellos.length, 2);
    await c.close();
  });

  test('a scheduled checkpoint (launch --interval) appears in the list', async () => {
    const work = tempDir('ckpt-api-');
    const stepper = compileC(work, 'stepper', STEPPER_C);
    const dir = path.join(work, 'd');
    const { CkptProcess } = await import('../fixtures/cliRunner');
    const launch = new CkptProcess(['launch', '--dir', dir, '--interval', '0.2', '--', stepper]);
    const { SnapshotStore } = await import('../../adapter/engine/snapshotStore');
    const store = new SnapshotStore(dir);
    await waitFor(() => store.list().length >= 2, 'two scheduled snapshots', 60000);
    assert.ok(store.list().every((s) => s.label === 'interval'));
    launch.endInput();
    const r = await launch.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'done 0\n', 'ckpt itself prints nothing on stdout');
    assert.match(r.stderr, /^ckpt: snapshot 1 saved\n/);
  });
});

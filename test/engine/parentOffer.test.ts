import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { EngineConnection, EngineHello } from '../../adapter/engine/engineConnection';
import { compileC } from '../fixtures/cliRunner';
import { tempDir, waitFor } from '../fixtures/harness';
import { collect, coordinatorsEndedAfter, engineSkip } from './fixtures/realCoordinators';
import { PIPE_PAIR_C, STEPPER_C } from './fixtures/stepper';

const openCoordinator = coordinatorsEndedAfter();

/** Records every checkpoint order the coordinator writes to a real engine. */
function recordOrders(): { orders: Record<string, unknown>[]; restore: () => void } {
  const original = EngineConnection.prototype.request;
  const orders: Record<string, unknown>[] = [];
  EngineConnection.prototype.request = function (this: EngineConnection, cmd, ...rest) {
    if (cmd.cmd === 'checkpoint') orders.push({ ...cmd });
    return original.call(this, cmd, ...rest);
  };
  return { orders, restore: () => (EngineConnection.prototype.request = original) };
}

describe('checkpoint orders offer the previous complete snapshot as a parent', { skip: engineSkip }, () => {
  test('first order: no parent; next: the previous image; a parent that is gone is not offered', async () => {
    const work = tempDir('ckpt-parent-');
    const stepper = compileC(work, 'stepper', STEPPER_C);
    const dir = path.join(work, 'd');
    const c = await openCoordinator(dir);
    const spy = recordOrders();
    try {
      const hello = once(c, 'hello');
      const launched = await c.launch(stepper, [], { stdio: ['pipe', 'pipe', 'inherit'] });
      const out = collect(launched.child.stdout);
      const { vpid } = ((await hello) as [EngineHello])[0];
      const image = (id: string) => path.join(path.resolve(dir), 'snapshots', id, `p${vpid}.img`);
      const step = async (n: number) => {
        launched.child.stdin!.write('n');
        await waitFor(() => new RegExp(`step ${n} `).test(out.text), `step ${n}`);
      };

      await step(0);
      assert.equal((await c.checkpoint()).id, '1');
      await step(1);
      assert.equal((await c.checkpoint()).id, '2');
      fs.rmSync(path.join(dir, 'snapshots', '2'), { recursive: true });
      await step(2);
      assert.equal((await c.checkpoint()).id, '3');

      assert.deepEqual(
        spy.orders.map((o) => [o.as, o.parent]),
        [
          [image('1'), undefined],
          [image('2'), image('1')],
          [image('3'), undefined],
        ],
      );
      for (const id of ['1', '3']) assert.ok(fs.statSync(image(id)).isFile(), `the image of snapshot ${id} is where its order said`);
    } finally {
      spy.restore();
    }
  });

  test('several processes (a synchronized checkpoint): each is offered its own previous image', async () => {
    const work = tempDir('ckpt-parent-pair-');
    const pair = compileC(work, 'pair', PIPE_PAIR_C);
    const dir = path.join(work, 'd');
    const c = await openCoordinator(dir);
    const spy = recordOrders();
    try {
      const launched = await c.launch(pair, [], { stdio: ['pipe', 'pipe', 'inherit'] });
      const out = collect(launched.child.stdout);
      launched.child.stdin!.write('nn');
      await waitFor(() => /child got 4 /.test(out.text) && c.processes().length === 2, 'two steps, two processes');
      const vpids = c.processes().map((h) => h.vpid).sort((a, b) => a - b);
      const image = (id: string, vpid: number) => path.join(path.resolve(dir), 'snapshots', id, `p${vpid}.img`);

      assert.equal((await c.checkpoint()).processes, 2);
      launched.child.stdin!.write('n');
      await waitFor(() => /child got 9 /.test(out.text), 'third step');
      assert.equal((await c.checkpoint()).processes, 2);

      const offered = (o: Record<string, unknown>) => [o.as, o.parent, o.sync];
      const byImage = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
      assert.deepEqual(
        spy.orders.map(offered).sort(byImage),
        [
          ...vpids.map((v) => [image('1', v), undefined, true]),
          ...vpids.map((v) => [image('2', v), image('1', v), true]),
        ].sort(byImage),
      );
    } finally {
      spy.restore();
    }
  });
});

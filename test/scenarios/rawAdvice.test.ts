/**
 * Regions a fork does not copy as they are, advised through a raw system call
 * that the library cannot see: the forked writer finds them in its own memory
 * map and refuses the snapshot, naming the region; the program runs on. With
 * CKPT_WRITER=inline the same program is saved and restored whole.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CKPT_JS, ckpt, LineProcess, Run, snapshotIdFrom, withRun } from './harness';
import { restartPasses, withScenarioBinary } from './goScenario';

async function launchAdvised(run: Run, bin: string, advice: string, env?: NodeJS.ProcessEnv): Promise<{ dir: string; go: string; launch: LineProcess; start: string }> {
  const work = run.tempDir(`ckpt-raw-${advice}-`);
  const dir = path.join(work, 'ckpt');
  const go = path.join(work, 'go');
  const launch = env
    ? run.start('ckpt launch raw_advice', process.execPath, [CKPT_JS, 'launch', '--dir', dir, '--', bin, go, work, advice], { ...process.env, ...env })
    : run.launch(dir, bin, [go, work, advice]);
  if (env) run.computations.push(dir);
  const at = await launch.waitForLine(/^ready [0-9a-f]+$/);
  return { dir, go, launch, start: launch.lines[at].split(' ')[1] };
}

test('a region advised by a raw system call refuses a forked writer, and is saved whole inline', { timeout: 5 * 60_000 }, () =>
  withScenarioBinary('raw_advice', async (bin) => {
    for (const [advice, what] of [['dc', /is not in the image writer's copy/], ['wf', /is wiped in the image writer's copy/]] as const) {
      await withRun(async (run) => {
        const { dir, launch, start } = await launchAdvised(run, bin, advice);
        const r = await ckpt(['checkpoint', '--dir', dir]);
        assert.notEqual(r.code, 0, `the snapshot of a raw ${advice} region must be refused:\n${r.stdout}`);
        assert.match(r.stderr, what);
        assert.match(r.stderr, new RegExp(`memory at ${start}-`), 'the message names the region');
        const list = JSON.parse((await ckpt(['list', '--dir', dir, '--json'])).stdout) as unknown[];
        assert.equal(list.length, 0, 'no snapshot is listed');
        assert.ok(!launch.exit, `the program runs on:\n${launch.describe()}`);
      });
    }
    await withRun(async (run) => {
      const { dir, go, launch } = await launchAdvised(run, bin, 'wf', { CKPT_WRITER: 'inline' });
      const r = await ckpt(['checkpoint', '--dir', dir, '--kill']);
      assert.equal(r.code, 0, r.stderr);
      await launch.waitExit();
      await restartPasses(run, dir, snapshotIdFrom(r.stdout), go);
    });
  }));

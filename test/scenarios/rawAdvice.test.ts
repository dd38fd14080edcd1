/**
 * Regions a fork does not copy as they are, advised through a raw system call
 * that the library cannot see: the forked writer finds them in its own memory
 * map and refuses the snapshot, naming the region; the program runs on. With
 * CKPT_WRITER=inline the same program is saved and restored whole.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CKPT_JS, ckpt, engineMissing, LineProcess, Run, snapshotIdFrom, withRun } from './harness';
import { compileScenario } from './compileScenario';

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

test('a region advised by a raw system call refuses a forked writer, and is saved whole inline', { timeout: 5 * 60_000 }, async () => {
  const missing = engineMissing();
  if (missing) assert.fail(`the engine is not built: ${missing}`);
  const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-raw-bin-'));
  try {
    const bin = await compileScenario('raw_advice', binDir);
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
      const restart = run.restart(dir, snapshotIdFrom(r.stdout));
      fs.writeFileSync(go, '');
      const at = await restart.waitForLine(/^(PASS|FAIL)/);
      assert.equal(restart.lines[at], 'PASS', restart.describe());
    });
  } finally {
    fs.rmSync(binDir, { recursive: true, force: true });
  }
});

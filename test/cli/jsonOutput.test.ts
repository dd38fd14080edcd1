/**
 * `--json` on every command, with the real engine and a real `ckpt launch`:
 * each result is one JSON value on stdout in the shape README.md documents, and
 * launch's own news are JSON lines on stderr while stdout stays the program's.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SnapshotInfo } from '../../adapter/engine/tables';
import { CkptProcess, compileC, killStarted, runCkpt, skipWithoutEngine } from '../fixtures/cliRunner';
import { tempDir } from '../fixtures/harness';
import { STEPPER_C } from '../engine/fixtures/stepper';

const skip = skipWithoutEngine();

after(killStarted);

async function json(args: string[]): Promise<unknown> {
  const r = await runCkpt([...args, '--json']);
  assert.equal(r.code, 0, `ckpt ${args.join(' ')}: ${r.stderr}`);
  // Piped: no progress line, whatever the work took.
  assert.doesNotMatch(r.stderr, /\r|\x1b/);
  return JSON.parse(r.stdout);
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('ckpt --json with the real engine', { skip }, () => {
  let work: string;
  let stepper: string;

  before(() => {
    work = tempDir('ckpt-json-');
    stepper = compileC(work, 'stepper', STEPPER_C);
  });

  test('checkpoint, label, restore, kill and delete answer in JSON; launch reports in JSON lines', async () => {
    const dir = path.join(work, 'd');
    const launch = new CkptProcess(['launch', '--dir', dir, '--json', '--interval', '0.4', '--', stepper, path.join(work, 'log')]);
    launch.write('n'.repeat(3));
    await launch.waitForStdout(/^step 2 /m);

    const saved = (await json(['checkpoint', '--dir', dir, '--label', 'three'])) as { snapshot: SnapshotInfo; killed: boolean };
    assert.equal(saved.killed, false);
    assert.equal(saved.snapshot.label, 'three');
    assert.equal(saved.snapshot.processes, 1);
    assert.ok(saved.snapshot.size > 0);
    const id = saved.snapshot.id;
    assert.match(id, /^\d+$/);

    const labelled = (await json(['label', '--dir', dir, id, 'renamed'])) as { snapshot: SnapshotInfo };
    assert.deepEqual(labelled.snapshot, { ...saved.snapshot, label: 'renamed' });

    // The scheduled checkpoints arrive as JSON lines on launch's stderr.
    const deadline = Date.now() + 10_000;
    while (!jsonLines(launch.stderr).some((e) => e.event === 'snapshot') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const scheduled = jsonLines(launch.stderr).find((e) => e.event === 'snapshot') as { snapshot: SnapshotInfo } | undefined;
    assert.ok(scheduled, `a scheduled snapshot is reported; stderr: ${launch.stderr}`);
    assert.equal(scheduled.snapshot.label, 'interval');

    const restored = (await json(['restore', '--dir', dir, id])) as { snapshot: string; dir: string; pids: number[] };
    assert.equal(restored.snapshot, id);
    assert.equal(restored.dir, dir);
    assert.equal(restored.pids.length, 1);
    assert.ok(Number.isInteger(restored.pids[0]) && restored.pids[0] > 0);

    assert.deepEqual(await json(['kill', '--dir', dir]), { killed: 1 });
    const ended = await launch.done;
    const events = jsonLines(ended.stderr);
    assert.ok(events.every((e) => typeof e.event === 'string'), ended.stderr);
    assert.equal(events.at(-1)?.event, 'exit');
    assert.equal(typeof events.at(-1)?.status, 'number');
    assert.match(ended.stdout, /^step 2 /m, 'stdout stays the program\'s');

    assert.deepEqual(await json(['delete', '--dir', dir, id]), { deleted: id });
    const left = (await json(['list', '--dir', dir])) as SnapshotInfo[];
    assert.ok(left.every((s) => s.id !== id));
  });
});

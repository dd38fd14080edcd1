import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { ResourceTables } from '../../adapter/engine/tables';
import { checkpoint, CkptProcess, finish, launch, runCkpt, skipUnlessBuilt, Workspace } from './fixtures/computation';
import { waitForProcesses } from './fixtures/waiting';

const ws = new Workspace();
after(() => ws.cleanup());

/** A parent and a child that each wait for a line: the parent on stdin, the child on a pipe from the parent. */
const PROGRAM = [
  'perl',
  '-e',
  '$| = 1; pipe(R, W) or die; my $pid = fork // die; if (!$pid) { close W; my $l = <R>; exit 0 } close R; print "ready\\n"; my $l = <STDIN>; close W; waitpid $pid, 0; print "bye $?\\n"',
];

async function generations(dir: string): Promise<unknown[]> {
  const r = await runCkpt(['status', '--dir', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const t = JSON.parse(r.stdout) as ResourceTables;
  assert.equal(t.processes.length, 2);
  return t.processes.map((p) => p.plugins?.generations);
}

describe('plugin fields in the tables', { skip: skipUnlessBuilt }, () => {
  test('the example plugin counts checkpoints and restarts of every process', async () => {
    const dir = ws.dir('generations');
    const run = launch(dir, PROGRAM);
    await run.waitForStdout(/^ready\n/);
    await waitForProcesses(dir, 2, run);
    assert.deepEqual(await generations(dir), [{ checkpoints: 0, restarts: 0 }, { checkpoints: 0, restarts: 0 }]);
    const one = await checkpoint(dir);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(await generations(dir), [{ checkpoints: 1, restarts: 0 }, { checkpoints: 1, restarts: 0 }]);
    const two = await checkpoint(dir, '--kill');
    assert.equal(two.code, 0, two.stderr);
    const first = await finish(run, dir);
    assert.equal(first.code, 0, first.stderr);

    const again = new CkptProcess(['restart', '--dir', dir, two.id!]);
    await waitForProcesses(dir, 2, again);
    assert.deepEqual(await generations(dir), [{ checkpoints: 2, restarts: 1 }, { checkpoints: 2, restarts: 1 }]);
    const text = await runCkpt(['status', '--dir', dir]);
    assert.match(text.stdout, /\n {2}generations: \{"checkpoints":2,"restarts":1\}\n/);

    again.write('go\n');
    again.endInput();
    const end = await finish(again, dir);
    assert.equal(end.code, 0, end.stderr);
    assert.equal(end.stdout, 'bye 0\n');
  });
});

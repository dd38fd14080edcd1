import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { waitFor } from '../fixtures/harness';
import { computationPids, launch, runCkpt, skipUnlessBuilt, Workspace } from './fixtures/computation';

const ws = new Workspace();
after(() => ws.cleanup());

/** A parent and a child, each with `mib` MiB of memory touched, running until killed. */
const PROGRAM_PY = String.raw`
import os, sys, time
mib = int(sys.argv[1])
block = bytearray(os.urandom(1 << 20)) * mib
pid = os.fork()
print('ready', flush=True)
while True:
    time.sleep(0.05)
`;

/** The coordinator (`ckpt launch`), killed with SIGKILL; resolves once it is gone (its stdout stays open: the program holds it). */
async function killCoordinator(run: ReturnType<typeof launch>): Promise<void> {
  const exited = new Promise((resolve) => run.child.once('exit', resolve));
  run.child.kill('SIGKILL');
  await exited;
}

/** What the next commands in a directory whose coordinator was killed must do. */
async function leftOverIsReachable(dir: string, n: number): Promise<void> {
  const left = computationPids(dir);
  assert.equal(left.length, n, 'the program ran on without its coordinator');
  for (const cmd of ['status', 'checkpoint']) {
    const r = await runCkpt([cmd, '--dir', dir]);
    assert.equal(r.code, 1, cmd);
    assert.match(r.stderr, new RegExp(`^ckpt ${cmd}: the coordinator of ${dir} has died, and its program runs on without it \\(pid \\d+(, \\d+)*\\): it cannot be saved any more; end it with \`ckpt kill --dir ${dir}\`\\n$`));
  }
  const launched = await runCkpt(['launch', '--dir', dir, '--', 'true']);
  assert.equal(launched.code, 1, 'no second program beside the orphaned one');
  assert.match(launched.stderr, /has died, and its program runs on without it/);
  const killed = await runCkpt(['kill', '--dir', dir]);
  assert.equal(killed.code, 0, killed.stderr);
  assert.equal(killed.stderr, `ckpt: killed ${n} processes\n`);
  await waitFor(() => computationPids(dir).length === 0, 'the program to end');
  // the dead coordinator's sockets and half-written snapshot are gone
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.sock')), []);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'snapshots')).filter((f) => f.startsWith('.partial-')), []);
  const again = await runCkpt(['launch', '--dir', dir, '--', 'true']);
  assert.equal(again.code, 0, again.stderr);
}

describe('a coordinator killed with SIGKILL', { skip: skipUnlessBuilt }, () => {
  let script: string;
  const program = () => {
    script ??= path.join(ws.root, 'program.py');
    fs.writeFileSync(script, PROGRAM_PY);
    return script;
  };

  test('while the program runs: the next command in the directory reaches what is left', async () => {
    const dir = ws.dir('running');
    const run = launch(dir, ['python3', program(), '8']);
    await run.waitForStdout(/ready[^]*ready/);
    await killCoordinator(run);
    await leftOverIsReachable(dir, 2);
  });

  test('in the middle of a checkpoint of a 512 MiB program: the partial snapshot is removed as well', { timeout: 300000 }, async () => {
    const dir = ws.dir('saving');
    const run = launch(dir, ['python3', program(), '256']);
    await run.waitForStdout(/ready[^]*ready/, 120000);
    const saving = runCkpt(['checkpoint', '--dir', dir]);
    const snapshots = path.join(dir, 'snapshots');
    await waitFor(() => fs.readdirSync(snapshots).some((f) => f.startsWith('.partial-')), 'the checkpoint to begin');
    await killCoordinator(run);
    const r = await saving;
    assert.equal(r.code, 1, 'the checkpoint did not complete');
    assert.deepEqual(fs.readdirSync(snapshots).filter((f) => !f.startsWith('.partial-')), [], 'no snapshot was made');
    await leftOverIsReachable(dir, 2);
  });
});

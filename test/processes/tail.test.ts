import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { checkpoint, finish, launch, restart, skipUnlessBuilt, Workspace } from './fixtures/computation';
import { waitForProcesses } from './fixtures/waiting';

const ws = new Workspace();
after(() => ws.cleanup());

/**
 * `tail -f` follows a growing log with inotify. Saved while it waits and
 * restarted, it must print what is appended after the restart (its watch is
 * made again), having printed everything before the checkpoint exactly once.
 * It ends when a process outside the computation does (--pid).
 */
describe('tail -f (inotify)', { skip: skipUnlessBuilt }, () => {
  test('saved while following a log, restarted: lines appended afterwards are printed', async () => {
    const log = path.join(ws.root, 'app.log');
    fs.writeFileSync(log, 'line 1\n');
    const keeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    after(() => keeper.kill('SIGKILL'));
    const dir = ws.dir('tail');
    const run = launch(dir, ['tail', '-n', '+1', '-f', `--pid=${keeper.pid}`, log]);
    await run.waitForStdout(/line 1\n/);
    fs.appendFileSync(log, 'line 2\n');
    await run.waitForStdout(/line 2\n/);

    const saved = await checkpoint(dir, '--kill');
    assert.equal(saved.code, 0, saved.stderr);
    const first = await finish(run, dir);
    assert.equal(first.stdout, 'line 1\nline 2\n');

    const again = restart(dir, saved.id!);
    // Appended only once tail is back (its hello comes after its watch is made
    // again): a line appended while it is not running yet wakes no watch.
    await waitForProcesses(dir, 1, again);
    // tail sleeps in read() on its inotify instance: only the restored watch wakes it
    for (let i = 3; i <= 5; i++) {
      await new Promise((r) => setTimeout(r, 300));
      fs.appendFileSync(log, `line ${i}\n`);
    }
    await again.waitForStdout(/line 5\n/);
    keeper.kill('SIGKILL');
    const second = await finish(again, dir);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, 'line 3\nline 4\nline 5\n');
  });
});

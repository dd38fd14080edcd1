import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { killStarted, runCkpt } from '../fixtures/cliRunner';
import { tempDir } from '../fixtures/harness';

after(killStarted);

describe('ckpt command line (no engine needed)', () => {
  test('no command: usage on stderr, status 2', async () => {
    const r = await runCkpt([]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^usage:\n {2}ckpt launch/);
  });

  test('usage errors name the problem and exit 2, without a stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /^ckpt: unknown command 'frobnicate'\n/],
      [['launch'], /^ckpt launch: missing PROGRAM\nusage: ckpt launch /],
      [['launch', '--interval', 'soon', '--', 'true'], /^ckpt launch: --interval needs a positive number of seconds, not 'soon'\n/],
      [['restart'], /^ckpt restart: missing SNAPSHOT\n/],
      [['inspect', '--bogus', '1'], /^ckpt inspect: unknown option --bogus\n/],
      [['list', 'extra'], /^ckpt list: unexpected argument 'extra'\n/],
      [['checkpoint', '--label'], /^ckpt checkpoint: option --label needs a value\n/],
    ];
    for (const [args, re] of cases) {
      const r = await runCkpt(args);
      assert.equal(r.code, 2, `ckpt ${args.join(' ')}`);
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });

  test('--help prints the command\'s usage on stdout', async () => {
    const r = await runCkpt(['inspect', '--help']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'usage: ckpt inspect [--dir D] SNAPSHOT [--json]\n');
  });

  test('commands that need a running program say there is none', async () => {
    const dir = tempDir('ckpt-cli-');
    for (const cmd of ['checkpoint', 'status', 'kill']) {
      const r = await runCkpt([cmd, '--dir', dir]);
      assert.equal(r.code, 1, cmd);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `ckpt ${cmd}: no program is running in ${dir}\n`);
    }
  });

  test('CKPT_DIR is the default directory', async () => {
    const dir = tempDir('ckpt-cli-');
    const r = await runCkpt(['checkpoint'], { CKPT_DIR: dir });
    assert.equal(r.stderr, `ckpt checkpoint: no program is running in ${dir}\n`);
  });

  test('list of an empty directory, and unknown snapshots', async () => {
    const empty = tempDir('ckpt-cli-');
    const list = await runCkpt(['list', '--dir', empty, '--json']);
    assert.equal(list.code, 0);
    assert.deepEqual(JSON.parse(list.stdout), []);
    const human = await runCkpt(['list', '--dir', empty]);
    assert.equal(human.stdout, '');
    assert.equal(human.stderr, `ckpt: no snapshots in ${empty}\n`);
    const dir = path.join(empty, 'none');
    const none = await runCkpt(['list', '--dir', dir]);
    assert.equal(none.code, 1);
    assert.equal(none.stderr, `ckpt list: no such directory: ${dir}\n`);
    const inspect = await runCkpt(['inspect', '--dir', dir, '4']);
    assert.equal(inspect.code, 1);
    assert.equal(inspect.stderr, `ckpt inspect: there is no snapshot 4 in ${dir}\n`);
    const restart = await runCkpt(['restart', '--dir', dir, 'last']);
    assert.equal(restart.code, 1, restart.stderr);
    assert.equal(restart.stderr, `ckpt restart: there are no snapshots in ${dir}\n`);
  });

  test('launching a program that does not exist is a message, not a crash', async () => {
    const dir = tempDir('ckpt-cli-');
    const r = await runCkpt(['launch', '--dir', dir, '--', path.join(dir, 'missing')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ckpt launch: (cannot run .*missing: no such file|the checkpoint engine is not built)/);
  });
});

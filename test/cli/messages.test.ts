import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { nativePathsUnchecked } from '../../adapter/engine/nativePaths';
import { CkptProcess, runCkpt } from '../fixtures/cliRunner';
import { tempDir } from '../fixtures/harness';

const built = fs.existsSync(nativePathsUnchecked().lib) ? false : 'the native engine is not built';

describe('messages for a wrong --dir', () => {
  test('a file given as --dir: each command names it as not a directory', async () => {
    const file = path.join(tempDir('ckpt-msg-'), 'file');
    fs.writeFileSync(file, 'x');
    const cases: [string[], string][] = [
      [['list', '--dir', file], `ckpt list: ${file} is not a directory\n`],
      [['launch', '--dir', file, '--', 'true'], `ckpt launch: ${file} is not a directory\n`],
      [['restart', '--dir', file, '1'], `ckpt restart: ${file} is not a directory\n`],
    ];
    for (const [argv, stderr] of cases) {
      const r = await runCkpt(argv);
      assert.equal(r.code, 1, argv[0]);
      assert.equal(r.stderr, stderr);
    }
    assert.equal(fs.readFileSync(file, 'utf8'), 'x');
  });

  test('a directory that does not exist: list fails, restart does not create it', async () => {
    const dir = path.join(tempDir('ckpt-msg-'), 'none');
    const list = await runCkpt(['list', '--dir', dir]);
    assert.equal(list.code, 1);
    assert.equal(list.stderr, `ckpt list: no such directory: ${dir}\n`);
    const restart = await runCkpt(['restart', '--dir', dir, '1']);
    assert.equal(restart.code, 1);
    assert.equal(restart.stderr, `ckpt restart: there are no snapshots in ${dir}\n`);
    assert.equal(fs.existsSync(dir), false);
  });

  test('a launch that fails, or saves nothing, leaves no directory behind', { skip: built }, async () => {
    const root = tempDir('ckpt-msg-');
    const failed = await runCkpt(['launch', '--dir', path.join(root, 'a'), '--', path.join(root, 'missing')]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^ckpt launch: cannot run .*missing: no such file/);
    const ran = await runCkpt(['launch', '--dir', path.join(root, 'b'), '--', 'true']);
    assert.equal(ran.code, 0, ran.stderr);
    assert.deepEqual(fs.readdirSync(root), []);
  });
});

describe('messages of failed checkpoints and restarts', { skip: built }, () => {
  test('a failed checkpoint does not use up its snapshot id', async () => {
    const root = tempDir('ckpt-msg-');
    const helper = path.join(root, 'helper');
    const done = path.join(root, 'done');
    // A child without the engine, there until the test is done with it (however slow the machine).
    fs.writeFileSync(`${helper}.c`, '#include <stdio.h>\n#include <unistd.h>\nint main(int argc, char **argv) { puts("started"); fflush(stdout); while (access(argv[1], F_OK)) usleep(10000); return 0; }\n');
    execFileSync('gcc', ['-static', '-O', '-o', helper, `${helper}.c`]);
    const dir = path.join(root, 'd');
    const run = new CkptProcess(['launch', '--dir', dir, '--', 'sh', '-c', `${helper} ${done}; echo between; sleep 30`]);
    await run.waitForStdout(/started\n/);
    const refused = await runCkpt(['checkpoint', '--dir', dir]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /does not run under the engine/);
    fs.writeFileSync(done, '');
    await run.waitForStdout(/between\n/);
    const saved = await runCkpt(['checkpoint', '--dir', dir]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(saved.stdout, '1\n', 'the failed checkpoint gave its id back');
    const killed = await runCkpt(['kill', '--dir', dir]);
    assert.equal(killed.code, 0, killed.stderr);
    await run.done;
  });

  test('a snapshot the restorer refuses at restart: one line, the restorer\'s', async () => {
    const root = tempDir('ckpt-msg-');
    const script = path.join(root, 'server.py');
    fs.writeFileSync(
      script,
      "import socket, time\ns = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen(1)\nprint(s.getsockname()[1], flush=True)\ntime.sleep(600)\n",
    );
    const dir = path.join(root, 'd');
    const run = new CkptProcess(['launch', '--dir', dir, '--', 'python3', script]);
    await run.waitForStdout(/^\d+\n/);
    const port = Number(run.stdout.trim());
    const saved = await runCkpt(['checkpoint', '--dir', dir, '--kill']);
    assert.equal(saved.code, 0, saved.stderr);
    await run.done;
    // someone else takes the port meanwhile
    const squatter = spawn('python3', ['-c', `import socket, sys, time\ns = socket.socket()\ns.bind(('127.0.0.1', ${port}))\ns.listen(1)\nprint('up', flush=True)\ntime.sleep(600)\n`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => squatter.stdout!.once('data', resolve));
      const r = await runCkpt(['restart', '--dir', dir, '1']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^ckpt-restore: \S+p\d+\.img \(python3\): cannot listen again at the address of fd 3: address in use \(another program holds that port\)\n$/);
    } finally {
      squatter.kill('SIGKILL');
    }
  });
});

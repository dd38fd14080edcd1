/**
 * The attach picker's list: this user's running `ckpt launch` computations
 * found from /proc (program, PID, folder), with a real `ckpt launch`; and the
 * parsing it rests on.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { after, test } from 'node:test';
import { ctlSocketsByInode, launchedProgramOf, runningComputations } from '../../src/runningComputations';

const root = path.resolve(__dirname, '../../..');
const CLI = path.join(root, 'out', 'adapter', 'cli', 'ckpt.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-picker-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

test('the program of a `ckpt launch` command line is what follows --', () => {
  assert.deepEqual(launchedProgramOf(['node', '/x/ckpt.js', 'launch', '--dir', '/d', '--', '/bin/prog', '-v', 'a']), ['/bin/prog', '-v', 'a']);
  assert.deepEqual(launchedProgramOf(['ckpt', 'launch', '--dir', '/d', '/bin/prog']), ['/bin/prog']);
  assert.equal(launchedProgramOf(['node', '/x/debugAdapter.js']), undefined, 'a debug session\'s own coordinator is no attach target');
  assert.equal(launchedProgramOf(['ckpt', 'launch', '--dir', '/d']), undefined);
});

test('listening ctl.sock sockets are read from /proc/net/unix, others left out', () => {
  const table = [
    'Num       RefCount Protocol Flags    Type St Inode Path',
    '0000000000000000: 00000002 00000000 00010000 0001 01 4242 /home/u/.ckpt/ctl.sock',
    '0000000000000000: 00000002 00000000 00010000 0001 01 4243 /home/u/my dir/ctl.sock',
    '0000000000000000: 00000003 00000000 00000000 0001 03 4244 /home/u/.ckpt/ctl.sock',
    '0000000000000000: 00000002 00000000 00010000 0001 01 4245 /home/u/.ckpt/engine.sock',
    '0000000000000000: 00000002 00000000 00010000 0001 01 4246',
  ].join('\n');
  assert.deepEqual([...ctlSocketsByInode(table)], [['4242', '/home/u/.ckpt/ctl.sock'], ['4243', '/home/u/my dir/ctl.sock']]);
});

test('a running `ckpt launch` is listed with its program, the program\'s PID and its folder; gone once it ends', async (t) => {
  const spin = path.join(work, 'spin');
  execFileSync('gcc', ['-g', '-O0', '-o', spin, path.join(root, 'test', 'fixtures', 'programs', 'spin.c')], { stdio: 'pipe' });
  const dir = path.join(work, 'computation');
  const cli = spawn(process.execPath, [CLI, 'launch', '--dir', dir, '--', spin, 'an-arg'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => cli.once('exit', () => resolve()));
  t.after(() => { cli.kill('SIGKILL'); });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ckpt launch did not start spin: ${out}`)), 60000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('spin: running')) { clearTimeout(timer); resolve(); }
    };
    cli.stdout.on('data', onData);
    cli.stderr.on('data', onData);
  });

  const found = runningComputations().filter((c) => c.dir === dir);
  assert.equal(found.length, 1, JSON.stringify(runningComputations()));
  const [c] = found;
  assert.equal(c.program, spin);
  assert.deepEqual(c.args, ['an-arg']);
  assert.equal(c.launchPid, cli.pid);
  assert.notEqual(c.pid, cli.pid, 'the PID shown is the program\'s');
  assert.equal(fs.readlinkSync(`/proc/${c.pid}/exe`), spin);
  assert.equal(c.debugged, false);

  cli.kill('SIGTERM');
  await exited;
  assert.deepEqual(runningComputations().filter((x) => x.dir === dir), []);
});

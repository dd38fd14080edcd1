import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ResourceTables, SnapshotInfo } from '../../adapter/engine/tables';
import { CkptProcess, compileC, killStarted, runCkpt, skipWithoutEngine } from '../fixtures/cliRunner';
import { mode, tempDir } from '../fixtures/harness';
import { PIPE_PAIR_C, runPlain, STEPPER_C } from './fixtures/stepper';

const skip = skipWithoutEngine();

after(killStarted);

/** Lines the stepper prints for n steps, then end of input. */
function steps(n: number): string {
  return 'n'.repeat(n);
}

describe('ckpt with the real engine', { skip }, () => {
  let work: string;
  let stepper: string;

  before(() => {
    work = tempDir('ckpt-real-');
    stepper = compileC(work, 'stepper', STEPPER_C);
  });

  test('launch → checkpoint → checkpoint --kill → list → inspect → restart continues exactly', async () => {
    const dir = path.join(work, 'main');
    const log = path.join(work, 'main.log');

    // The reference: one uninterrupted run.
    const plain = await runPlain(stepper, [path.join(work, 'plain.log')], steps(30));
    assert.match(plain, /^step 0 .*\nstep 29 [0-9a-f]{16}\ndone 30\n$/s);

    const launch = new CkptProcess(['launch', '--dir', dir, '--', stepper, log]);
    launch.write(steps(10));
    await launch.waitForStdout(/^step 9 /m);

    const first = await runCkpt(['checkpoint', '--dir', dir, '--label', 'ten steps']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim().split('\n').pop(), '1');

    const status = await runCkpt(['status', '--dir', dir, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const live = JSON.parse(status.stdout) as ResourceTables;
    assert.equal(live.source, 'live');
    assert.equal(live.processes.length, 1);
    assert.equal(live.processes[0].argv[0], stepper);
    assert.ok(live.processes[0].threads.length >= 1);
    const liveLog = live.processes[0].fds.find((f) => f.path === log);
    assert.ok(liveLog, 'the program\'s log file is in the live table');
    assert.equal(liveLog.kind, 'file');
    assert.equal(liveLog.offset, fs.statSync(log).size);
    assert.ok(live.processes[0].fds.every((f) => f.fd < 1000), 'the engine\'s own socket is not listed');

    launch.write(steps(5));
    await launch.waitForStdout(/^step 14 /m);
    const second = await runCkpt(['checkpoint', '--dir', dir, '--kill']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout.trim(), '2');
    const launched = await launch.done;
    assert.equal(launched.code, 0, `a hibernated program is a success; stderr: ${launched.stderr}`);
    assert.equal(launched.stderr, '');

    const list = await runCkpt(['list', '--dir', dir, '--json']);
    const snapshots = JSON.parse(list.stdout) as SnapshotInfo[];
    assert.deepEqual(snapshots.map((s) => [s.id, s.label, s.processes]), [['1', 'ten steps', 1], ['2', undefined, 1]]);
    assert.ok(snapshots.every((s) => s.size > 0));
    const costs = JSON.parse(list.stdout) as { pauseMs: unknown; addedBytes: unknown; size: number }[];
    assert.ok(costs.every((s) => typeof s.pauseMs === 'number' && s.pauseMs > 0), `each snapshot gives its pause: ${list.stdout}`);
    assert.ok(costs.every((s) => s.addedBytes === s.size), `each snapshot gives the bytes it added: ${list.stdout}`);
    for (const id of ['1', '2']) {
      const m = JSON.parse(fs.readFileSync(path.join(dir, 'snapshots', id, 'manifest.json'), 'utf8')) as { processes: { tracking?: string }[] };
      assert.ok(m.processes.every((p) => p.tracking === 'uffd-wp' || p.tracking === 'hash'), `snapshot ${id} says its tracking mode: ${JSON.stringify(m.processes)}`);
    }
    const human = await runCkpt(['list', '--dir', dir]);
    assert.match(human.stdout, /^ID +LABEL +TIME +SIZE +PROCESSES\n1 +ten steps +\S+ \S+ +\S+ \S+ +1\n2 +/);

    const inspect = await runCkpt(['inspect', '--dir', dir, '2', '--json']);
    assert.equal(inspect.code, 0, inspect.stderr);
    const tables = JSON.parse(inspect.stdout) as ResourceTables & { images: { memory: unknown[] }[] };
    assert.equal(tables.source, '2');
    assert.equal(tables.processes[0].argv[0], stepper);
    const savedLog = tables.processes[0].fds.find((f) => f.path === log);
    assert.ok(savedLog, 'the log file is in the image');
    assert.equal(savedLog.offset, fs.statSync(log).size);
    assert.ok(tables.images[0].memory.length > 0);
    const inspectText = await runCkpt(['inspect', '--dir', dir, '2']);
    assert.match(inspectText.stdout, /Threads\n\s+VTID\s+TID\n/);
    assert.match(inspectText.stdout, /Memory regions\n/);

    // Permissions: the computation's files are the user's alone.
    assert.equal(mode(dir), 0o700);
    for (const id of ['1', '2']) {
      const snap = path.join(dir, 'snapshots', id);
      assert.equal(mode(snap), 0o700);
      for (const f of fs.readdirSync(snap)) assert.equal(mode(path.join(snap, f)) & 0o077, 0, `${id}/${f} is private`);
    }

    const restart = new CkptProcess(['restart', '--dir', dir, '2']);
    restart.write(steps(15));
    restart.endInput();
    const restarted = await restart.done;
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.equal(launched.stdout + restarted.stdout, plain, 'launch output up to the kill + restart output = an uninterrupted run');
  });

  test('a restarted program can be checkpointed and restarted again', async () => {
    const dir = path.join(work, 'again');
    const launch = new CkptProcess(['launch', '--dir', dir, '--', stepper]);
    launch.write(steps(3));
    await launch.waitForStdout(/^step 2 /m);
    { const r = await runCkpt(['checkpoint', '--dir', dir, '--kill']); assert.equal(r.code, 0, r.stderr); }
    { const r = await launch.done; assert.equal(r.code, 0, r.stderr); }

    const restart = new CkptProcess(['restart', '--dir', dir, 'last']);
    restart.write(steps(2));
    await restart.waitForStdout(/^step 4 /m);
    const status = await runCkpt(['status', '--dir', dir]);
    assert.match(status.stdout, new RegExp(`^Running in ${dir}: 1 process, restarted from snapshot 1\n\nProcess \\d+ `));
    const refused = await runCkpt(['restart', '--dir', dir, '1']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is in use: another computation is running there/);
    const again = await runCkpt(['checkpoint', '--dir', dir, '--kill']);
    assert.equal(again.stdout.trim(), '2', again.stderr);
    { const r = await restart.done; assert.equal(r.code, 0, r.stderr); }

    const third = new CkptProcess(['restart', '--dir', dir, '2']);
    third.write(steps(1));
    third.endInput();
    const r = await third.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^step 5 [0-9a-f]{16}\ndone 6\n$/);
  });

  test('a second launch into a busy directory is refused; the first is unharmed', async () => {
    const dir = path.join(work, 'busy');
    const first = new CkptProcess(['launch', '--dir', dir, '--', stepper]);
    first.write(steps(1));
    await first.waitForStdout(/^step 0 /m);
    const second = await runCkpt(['launch', '--dir', dir, '--', stepper], {}, steps(1));
    assert.equal(second.code, 1);
    assert.equal(second.stdout, '', 'the refused program never ran');
    assert.match(second.stderr, new RegExp(`^ckpt launch: ${dir} is in use: another computation is running there \\(program pid \\d+, coordinator pid \\d+\\)`));
    assert.equal(mode(path.join(dir, 'ctl.sock')), 0o600);
    assert.equal(mode(path.join(dir, 'engine.sock')), 0o600);
    first.write(steps(1));
    first.endInput();
    const r = await first.done;
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^step 0 \S+\nstep 1 \S+\ndone 2\n$/);
    assert.equal(fs.existsSync(path.join(dir, 'ctl.sock')), false, 'sockets are removed at the end');
  });

  test('launch exits with the program\'s status; killed programs with 128+signal', async () => {
    const dir = path.join(work, 'status');
    const exit3 = await runCkpt(['launch', '--dir', dir, '--', 'sh', '-c', 'echo out; exit 3']);
    assert.equal(exit3.code, 3, exit3.stderr);
    assert.equal(exit3.stdout, 'out\n');
    const killed = new CkptProcess(['launch', '--dir', dir, '--', stepper]);
    killed.write(steps(1));
    await killed.waitForStdout(/^step 0 /m);
    const k = await runCkpt(['kill', '--dir', dir]);
    assert.equal(k.code, 0, k.stderr);
    { const r = await killed.done; assert.equal(r.code, 137, r.stderr); }
  });

  test('restart of a corrupted image is refused and names the snapshot', async () => {
    const dir = path.join(work, 'corrupt');
    const launch = new CkptProcess(['launch', '--dir', dir, '--', stepper]);
    launch.write(steps(2));
    await launch.waitForStdout(/^step 1 /m);
    { const r = await runCkpt(['checkpoint', '--dir', dir, '--kill']); assert.equal(r.code, 0, r.stderr); }
    await launch.done;
    const snap = path.join(dir, 'snapshots', '1');
    const image = path.join(snap, fs.readdirSync(snap).find((f) => f.endsWith('.img'))!);
    // Flip bytes in the middle of its largest block of pages: the restorer's
    // read of every page before anything runs must catch it.
    const blocks = path.join(snap, 'blocks');
    const block = path.join(blocks, fs.readdirSync(blocks).sort((a, b) => fs.statSync(path.join(blocks, b)).size - fs.statSync(path.join(blocks, a)).size)[0]);
    const fd = fs.openSync(block, 'r+');
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(64);
    fs.readSync(fd, buf, 0, 64, Math.floor(size / 2));
    for (let i = 0; i < buf.length; i++) buf[i] ^= 0xff;
    fs.writeSync(fd, buf, 0, 64, Math.floor(size / 2));
    fs.closeSync(fd);
    const r = await runCkpt(['restart', '--dir', dir, '1'], {}, steps(1));
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '', 'nothing of the program ran');
    // Either the up-front check or the restorer's load (which checks every
    // page before anything runs) refuses it; both name the image and the
    // snapshot, in one line (the restorer's own, or ckpt's quoting it).
    assert.match(r.stderr, /^(ckpt restart: cannot restart snapshot 1: )?ckpt-restore: .*\/snapshots\/1\/p\d+\.img \(stepper\): .*corrupt.*\n$/);
    const inspect = await runCkpt(['inspect', '--dir', dir, '1']);
    assert.equal(inspect.code, 1);
    assert.match(inspect.stderr, /^ckpt inspect: snapshot 1 \(image p\d+\.img\) is damaged: .+\n$/);
  });
});

describe('ckpt with the real engine: several processes', { skip }, () => {
  test('a parent and child joined by a pipe are saved together and restarted as a tree', async () => {
    const work = tempDir('ckpt-tree-');
    const pair = compileC(work, 'pair', PIPE_PAIR_C);
    const dir = path.join(work, 'd');
    const plain = await runPlain(pair, [], steps(6));
    assert.match(plain, /child got 36 .*\nchild done\nparent done\n$/s);

    const launch = new CkptProcess(['launch', '--dir', dir, '--', pair]);
    launch.write(steps(3));
    await launch.waitForStdout(/child got 9 /);
    const status = await runCkpt(['status', '--dir', dir, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const live = JSON.parse(status.stdout) as ResourceTables;
    assert.equal(live.processes.length, 2);
    const [parent, child] = live.processes.sort((a, b) => a.vpid - b.vpid);
    assert.equal(child.vppid, parent.vpid);
    const write = parent.fds.find((f) => f.kind === 'pipe');
    assert.ok(write, 'the parent holds the write end');
    assert.deepEqual(write.peer?.vpid, child.vpid);
    assert.ok([...parent.fds, ...child.fds].every((f) => f.fd < 1000), 'no engine sockets listed');

    const saved = await runCkpt(['checkpoint', '--dir', dir, '--kill']);
    assert.equal(saved.code, 0, saved.stderr);
    const launched = await launch.done;
    assert.equal(launched.code, 0, launched.stderr);
    const list = JSON.parse((await runCkpt(['list', '--dir', dir, '--json'])).stdout) as SnapshotInfo[];
    assert.deepEqual(list.map((s) => s.processes), [2]);
    const inspected = JSON.parse((await runCkpt(['inspect', '--dir', dir, '1', '--json'])).stdout) as ResourceTables;
    const savedPipes = inspected.processes.flatMap((p) => p.fds.filter((f) => f.kind === 'pipe').map((f) => ({ vpid: p.vpid, f })));
    assert.equal(savedPipes.length, 2, 'both ends of the pipe are in the images');
    for (const { vpid, f } of savedPipes) {
      assert.equal(f.offset, undefined, 'a pipe has no offset');
      assert.ok(f.peer && f.peer.vpid !== vpid, 'each end names the other process');
    }
    assert.ok(inspected.processes.every((p) => p.fds.every((f) => f.fd < 1000)), 'no engine sockets in the tables');

    const restart = new CkptProcess(['restart', '--dir', dir, '1']);
    restart.write(steps(3));
    restart.endInput();
    const r = await restart.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(launched.stdout + r.stdout, plain, 'the pair goes on exactly as an uninterrupted run');
  });
});

describe('ckpt restart into a changed world', { skip }, () => {
  test('--path-map reopens files that moved since the snapshot', async () => {
    const work = tempDir('ckpt-moved-');
    const stepper = compileC(work, 'stepper', STEPPER_C);
    const dir = path.join(work, 'd');
    const oldData = path.join(work, 'old');
    const newData = path.join(work, 'new');
    fs.mkdirSync(oldData);
    const launch = new CkptProcess(['launch', '--dir', dir, '--', stepper, path.join(oldData, 'log')]);
    launch.write(steps(2));
    await launch.waitForStdout(/^step 1 /m);
    { const r = await runCkpt(['checkpoint', '--dir', dir, '--kill']); assert.equal(r.code, 0, r.stderr); }
    await launch.done;
    fs.renameSync(oldData, newData);

    const refused = await runCkpt(['restart', '--dir', dir, '1'], {}, steps(1));
    assert.equal(refused.code, 1, 'the file is gone: nothing may run');
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /cannot restart snapshot 1: .*old\/log/);

    const badUsage = await runCkpt(['restart', '--dir', dir, '--path-map', 'nonsense', '1']);
    assert.equal(badUsage.code, 2);
    assert.match(badUsage.stderr, /^ckpt restart: --path-map needs the form OLD=NEW, not 'nonsense'\n/);

    const r = await runCkpt(['restart', '--dir', dir, '--path-map', `${oldData}=${newData}`, '1'], {}, steps(1));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^step 2 [0-9a-f]{16}\ndone 3\n$/);
    assert.equal(fs.readFileSync(path.join(newData, 'log'), 'utf8'), '0\n1\n2\n', 'the moved log got the new line at its saved offset');
  });
});

describe('ckpt with a program the engine cannot enter', { skip }, () => {
  test('a statically linked program runs, but checkpoint says why it cannot be saved', async () => {
    const work = tempDir('ckpt-static-');
    const src = path.join(work, 'wait.c');
    fs.writeFileSync(src, '#include <unistd.h>\nint main(void) { char c; write(1, "up\\n", 3); return read(0, &c, 1) < 0; }\n');
    const exe = path.join(work, 'wait');
    execFileSync('gcc', ['-static', '-o', exe, src]);
    const dir = path.join(work, 'd');
    const launch = new CkptProcess(['launch', '--dir', dir, '--', exe]);
    await launch.waitForStdout(/^up$/m);
    const r = await runCkpt(['checkpoint', '--dir', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ckpt checkpoint: the program in .* \(pid \d+\) is not running under the checkpoint engine: it is statically linked/);
    launch.endInput();
    const done = await launch.done;
    assert.equal(done.code, 0, done.stderr);
  });
});

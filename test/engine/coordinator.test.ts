import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { CkptError } from '../../adapter/engine/ckptError';
import { Coordinator, CoordinatorOptions } from '../../adapter/engine/coordinator';
import { ctlCheckpoint, ctlStatus } from '../../adapter/engine/ctlClient';
import type { EngineHello } from '../../adapter/engine/engineConnection';
import { mode, tempDir, waitFor } from '../fixtures/harness';
import { FAKE_ENGINE, FAKE_INSPECT, FAKE_SIGNAL } from './fixtures/fakes';

const open: Coordinator[] = [];
after(async () => {
  for (const c of open) {
    try {
      c.kill();
    } catch {
      // nothing running
    }
    await c.close();
  }
});

const FAKE_OPTIONS: CoordinatorOptions = {
  preload: false,
  signal: FAKE_SIGNAL,
  inspectCommand: FAKE_INSPECT,
  checkpointTimeoutMs: 60000,
};

async function openCoordinator(dir: string, extra: CoordinatorOptions = {}): Promise<Coordinator> {
  const c = await Coordinator.open(dir, { ...FAKE_OPTIONS, ...extra });
  open.push(c);
  return c;
}

/** Launches the fake engine and waits for its hello. */
async function launchFake(c: Coordinator, env: NodeJS.ProcessEnv = {}): Promise<EngineHello> {
  const hello = once(c, 'hello');
  await c.launch(process.execPath, [FAKE_ENGINE], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  return (await hello)[0] as EngineHello;
}

describe('Coordinator', () => {
  test('creates a private directory and private sockets, removed on close', async () => {
    const root = tempDir('ckpt-coord-');
    const dir = path.join(root, 'comp');
    const c = await openCoordinator(dir);
    assert.equal(mode(dir), 0o700);
    assert.equal(mode(path.join(dir, 'snapshots')), 0o700);
    assert.equal(mode(path.join(dir, 'engine.sock')), 0o600);
    assert.equal(mode(path.join(dir, 'ctl.sock')), 0o600);
    await c.close();
    assert.equal(fs.existsSync(path.join(dir, 'engine.sock')), false);
    assert.equal(fs.existsSync(path.join(dir, 'ctl.sock')), false);
  });

  test('refuses a directory whose coordinator is alive, and takes over stale sockets', async () => {
    const dir = tempDir('ckpt-coord-');
    const first = await openCoordinator(dir);
    await assert.rejects(openCoordinator(dir), (err: Error) => {
      assert.ok(err instanceof CkptError);
      assert.match(err.message, /is in use: another computation is running there/);
      assert.match(err.message, new RegExp(`coordinator pid ${process.pid}`));
      return true;
    });
    await first.close();
    // Socket files nobody listens on, as a crashed coordinator leaves behind
    // (a process that binds and exits leaves the file; node's close would unlink it).
    for (const name of ['ctl.sock', 'engine.sock']) {
      execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', path.join(dir, name)]);
      assert.ok(fs.statSync(path.join(dir, name)).isSocket());
    }
    fs.mkdirSync(path.join(dir, 'snapshots', '.partial-7'));
    fs.writeFileSync(path.join(dir, 'snapshots', '.partial-7', 'p1.img'), 'half');
    const second = await openCoordinator(dir);
    assert.equal(second.dir, dir);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'snapshots')), [], 'a dead checkpoint\'s partial snapshot is removed');
    await second.close();
  });

  test('engineEnv prepends the preload library and names the socket', async () => {
    const dir = tempDir('ckpt-coord-');
    const lib = path.join(dir, 'libfake.so');
    fs.writeFileSync(lib, '');
    const c = await openCoordinator(dir, { preload: true, native: { lib } });
    const env = c.engineEnv({ LD_PRELOAD: '/other.so' });
    assert.equal(env.LD_PRELOAD, `${lib}:/other.so`);
    assert.equal(env.CKPT_ENGINE_SOCKET, path.join(dir, 'engine.sock'));
    assert.equal(env.CKPT_SIGNAL, String(FAKE_SIGNAL));
    assert.equal(c.engineEnv({}).LD_PRELOAD, lib);
    await c.close();
  });

  test('a missing preload library is named, with the fix', async () => {
    const dir = tempDir('ckpt-coord-');
    const c = await openCoordinator(dir, { preload: true, native: { lib: path.join(dir, 'nope.so') } });
    assert.throws(() => c.engineEnv(), /nope\.so is missing \(run `npm run build`\)/);
    await c.close();
  });

  test('checkpoint with nothing running says so', async () => {
    const dir = tempDir('ckpt-coord-');
    const c = await openCoordinator(dir);
    await assert.rejects(c.checkpoint(), new RegExp(`no program is running in ${dir}`));
    await assert.rejects(ctlCheckpoint(dir), new RegExp(`no program is running in ${dir}`));
    await c.close();
    await assert.rejects(ctlCheckpoint(dir), new RegExp(`no program is running in ${dir}`));
  });

  test('checkpoint writes a complete snapshot with a manifest; ids are never reused', async () => {
    const dir = tempDir('ckpt-coord-');
    const c = await openCoordinator(dir);
    const hello = await launchFake(c);
    const s1 = await c.checkpoint({ label: 'first' });
    assert.equal(s1.id, '1');
    assert.equal(s1.label, 'first');
    assert.equal(s1.processes, 1);
    const snapDir = path.join(dir, 'snapshots', '1');
    assert.equal(mode(snapDir), 0o700);
    const manifest = JSON.parse(fs.readFileSync(path.join(snapDir, 'manifest.json'), 'utf8'));
    assert.equal(mode(path.join(snapDir, 'manifest.json')), 0o600);
    assert.equal(manifest.root, hello.vpid);
    assert.deepEqual(
      manifest.processes.map((p: { vpid: number; image: string; pauseUs: number }) => [p.vpid, p.image, p.pauseUs]),
      [[hello.vpid, `p${hello.vpid}.img`, 10]],
    );
    assert.equal(manifest.size, fs.statSync(path.join(snapDir, `p${hello.vpid}.img`)).size);
    assert.ok(!Number.isNaN(Date.parse(manifest.time)));
    const s2 = await ctlCheckpoint(dir, {});
    assert.equal(s2.id, '2');
    c.store.delete('2');
    const s3 = await c.checkpoint();
    assert.equal(s3.id, '3', 'a deleted id is not handed out again');
    assert.deepEqual(c.store.list().map((s) => s.id), ['1', '3']);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'snapshots')).filter((n) => n.startsWith('.')), []);
    const inspection = await c.store.inspect('3');
    assert.equal(inspection.tables.source, '3');
    assert.equal(inspection.images[0].counter, 3);
    c.kill();
    await c.runningProgram?.exited;
    await c.close();
  });

  test('a failing checkpoint leaves no partial snapshot, keeps the program running, and says why', async () => {
    const dir = tempDir('ckpt-coord-');
    const c = await openCoordinator(dir);
    await launchFake(c, { FAKE_FAIL: 'no space left on device (test)' });
    await assert.rejects(c.checkpoint(), /checkpoint of process \d+ \(pid \d+\) failed: no space left on device \(test\)/);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'snapshots')), []);
    assert.equal(c.processes().length, 1);
    assert.ok(c.runningProgram, 'the program still runs');
    c.kill();
    const status = await c.runningProgram!.exited;
    assert.equal(status.status, 137);
    assert.equal(status.hibernated, false);
    await c.close();
  });

  test('a checkpoint the engine never answers times out with a clear error', async () => {
    const dir = tempDir('ckpt-coord-');
    const c = await openCoordinator(dir, { checkpointTimeoutMs: 300 });
    await launchFake(c, { FAKE_MUTE: '1' });
    await assert.rejects(c.checkpoint(), /did not answer the checkpoint order within/);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'snapshots')), []);
    c.kill();
    await c.runningProgram!.exited;
    await c.close();
  });

  test('checkpoint --kill is a hibernation: exit status 0', async () => {
    const dir = tempDir('ckpt-coord-');
    const c = await openCoordinator(dir);
    const exits: EngineHello[] = [];
    c.on('processExit', (h: EngineHello) => exits.push(h));
    const hello = await launchFake(c);
    const exited = c.runningProgram!.exited;
    const s = await ctlCheckpoint(dir, { kill: true, label: 'bye' });
    const status = await exited;
    assert.deepEqual(status, { code: null, signal: 'SIGKILL', status: 0, hibernated: true });
    assert.equal(c.store.get(s.id).label, 'bye');
    await assert.rejects(c.checkpoint(), /no program is running/);
    assert.deepEqual(exits.map((h) => h.vpid), [hello.vpid]);
    await c.close();
  });

  test('status reads threads from the engine and fds from /proc', async () => {
    const dir = tempDir('ckpt-coord-');
    const c = await openCoordinator(dir);
    const hello = await launchFake(c);
    const tables = await ctlStatus(dir);
    assert.equal(tables.source, 'live');
    assert.equal(tables.processes.length, 1);
    const p = tables.processes[0];
    assert.equal(p.vpid, hello.vpid);
    assert.deepEqual(p.threads, [{ vtid: hello.vpid, tid: hello.pid }]);
    assert.equal(p.argv[1], FAKE_ENGINE);
    const data = p.fds.find((f) => f.path.endsWith('data.txt'));
    assert.ok(data, 'the program\'s open file is listed');
    assert.equal(data.kind, 'file');
    assert.equal(data.offset, 6);
    assert.equal(data.flags & 0o2003, 0o2001, 'O_WRONLY|O_APPEND');
    assert.equal(p.fds[0].fd, 0);
    assert.equal(p.fds[0].kind, 'stdio');
    c.kill();
    await c.runningProgram!.exited;
    await c.close();
  });

  test('a stopped program is refused at once, and can be saved once continued', async () => {
    const dir = tempDir('ckpt-coord-');
    const c = await openCoordinator(dir);
    const hello = await launchFake(c);
    process.kill(hello.pid, 'SIGSTOP');
    try {
      await waitFor(() => /\) T /.test(fs.readFileSync(`/proc/${hello.pid}/stat`, 'utf8')), 'the stop');
      await assert.rejects(c.checkpoint(), new RegExp(`is stopped \\(SIGSTOP or Ctrl-Z\\): continue it \\(kill -CONT ${hello.pid}\\)`));
    } finally {
      process.kill(hello.pid, 'SIGCONT');
    }
    assert.equal((await c.checkpoint()).id, '1');
    c.kill();
    await c.runningProgram!.exited;
    await c.close();
  });

  test('launching a missing program is a clear error', async () => {
    const dir = tempDir('ckpt-coord-');
    const c = await openCoordinator(dir);
    await assert.rejects(c.launch(path.join(dir, 'no-such-program')), /cannot run .*no-such-program: no such file/);
    await c.close();
  });
});

interface LogLine {
  vpid: number;
  signals: number;
  order?: { cmd: string; sync?: boolean; skipPipes?: number[] };
  exit?: boolean;
}

function readLog(file: string): LogLine[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine) : [];
}

describe('Coordinator with several processes (stand-in engine)', () => {
  /** Launches a fake parent with a fake child; resolves once both said hello. */
  async function launchPair(c: Coordinator, env: NodeJS.ProcessEnv): Promise<EngineHello[]> {
    const hellos: EngineHello[] = [];
    c.on('hello', (h: EngineHello) => hellos.push(h));
    await c.launch(process.execPath, [FAKE_ENGINE], { env: { ...process.env, FAKE_CHILD: '1', ...env }, stdio: 'ignore' });
    await waitFor(() => hellos.length === 2, 'two hellos');
    return hellos.sort((a, b) => a.vpid - b.vpid);
  }

  test('a synchronized checkpoint stops all, writes all, then resumes all', async () => {
    const dir = tempDir('ckpt-sync-');
    const log = path.join(dir, 'orders.log');
    const c = await openCoordinator(path.join(dir, 'd'));
    const [a, b] = await launchPair(c, { FAKE_LOG: log });
    const parent = a.pid === c.runningProgram!.pid ? a : b;
    const child = parent === a ? b : a;
    assert.equal(child.vppid, parent.vpid);
    const snap = await c.checkpoint({ label: 'pair' });
    assert.equal(snap.processes, 2);
    const m = c.store.manifest(snap.id);
    assert.equal(m.root, parent.vpid);
    assert.deepEqual(m.processes.map((p) => p.vpid), [a.vpid, b.vpid]);
    await waitFor(() => readLog(log).filter((l) => l.order?.cmd === 'resume').length === 2, 'both resume orders');
    for (const h of [a, b]) {
      assert.deepEqual(
        readLog(log).filter((l) => l.vpid === h.vpid).map((l) => l.order?.cmd),
        ['checkpoint', 'write', 'resume'],
      );
    }
    assert.equal(c.processes().length, 2, 'both still run');
    const { tables } = await c.store.inspect(snap.id);
    assert.deepEqual(tables.processes.map((p) => p.vpid), [a.vpid, b.vpid]);
    c.kill();
    await c.runningProgram?.exited;
    await c.close();
  });

  test('kill ends both only after the snapshot exists; a stop failure resumes the others', async () => {
    const dir = tempDir('ckpt-sync-');
    const log = path.join(dir, 'orders.log');
    const c = await openCoordinator(path.join(dir, 'd'));
    const failing = await launchPair(c, { FAKE_LOG: log, FAKE_CHILD_FAIL: 'cannot stop thread 7 (test)' });
    await assert.rejects(c.checkpoint(), /checkpoint of process \d+ \(pid \d+\) failed: cannot stop thread 7 \(test\)/);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'd', 'snapshots')), []);
    const parentVpid = failing.find((h) => h.pid === c.runningProgram!.pid)!.vpid;
    await waitFor(() => readLog(log).some((l) => l.vpid === parentVpid && l.order?.cmd === 'resume'), 'the parent resumed');
    assert.equal(c.processes().length, 2);
    c.kill();
    await c.runningProgram!.exited;
    await c.close();

    const c2 = await openCoordinator(path.join(dir, 'd2'));
    await launchPair(c2, {});
    const exited = c2.runningProgram!.exited;
    const snap = await c2.checkpoint({ kill: true });
    assert.equal((await exited).hibernated, true);
    assert.equal(c2.store.get(snap.id).processes, 2);
    await waitFor(() => c2.processes().length === 0, 'both processes gone');
    await c2.close();
  });

  test('hold (through ctl.sock): the orders go out without a signal, and the caller hears when they are sent', async () => {
    const dir = tempDir('ckpt-hold-');
    for (const hold of [true, false]) {
      const log = path.join(dir, `${hold}.log`);
      if (!hold) {
        // In-process, the callback comes for an ordinary checkpoint too.
        const c0 = await openCoordinator(path.join(dir, 'direct'));
        await launchFake(c0);
        let sent = false;
        await c0.checkpoint({ onOrdersSent: () => (sent = true) });
        assert.ok(sent);
        c0.kill();
        await c0.runningProgram!.exited;
        await c0.close();
      }
      const c = await openCoordinator(path.join(dir, String(hold)));
      const hello = await launchFake(c, { FAKE_LOG: log });
      let sentBeforeAnswer = false;
      // Through ctl.sock, as a debugger attached to a `ckpt launch` program does.
      const snap = await ctlCheckpoint(path.join(dir, String(hold)), { hold, onOrdersSent: () => (sentBeforeAnswer = true) });
      assert.equal(sentBeforeAnswer, hold, 'the progress line comes only for a held program');
      assert.equal(c.store.get(snap.id).processes, 1);
      const exited = c.runningProgram!.exited;
      process.kill(hello.pid, 'SIGTERM');
      await exited;
      const last = readLog(log).find((l) => l.exit)!;
      assert.equal(last.signals, hold ? 0 : 1, `signals with hold=${hold}`);
      await c.close();
    }
  });

  test('hold: a process that stops after another refused is told to resume, not left waiting for its write order', async () => {
    const dir = tempDir('ckpt-hold-');
    const log = path.join(dir, 'orders.log');
    const c = await openCoordinator(path.join(dir, 'd'));
    // The parent refuses at once; its child stops later, as when gdb lets it go after the parent came back.
    const pair = await launchPair(c, { FAKE_LOG: log, FAKE_FAIL: 'a thread did not stop (test)', FAKE_STOP_DELAY_MS: '300' });
    await assert.rejects(c.checkpoint({ hold: true }), /failed: a thread did not stop \(test\)/);
    const childVpid = pair.find((h) => h.pid !== c.runningProgram!.pid)!.vpid;
    await waitFor(() => readLog(log).some((l) => l.vpid === childVpid && l.order?.cmd === 'resume'), 'the late child told to resume');
    assert.deepEqual(readLog(log).filter((l) => l.vpid === childVpid && l.order).map((l) => l.order!.cmd), ['checkpoint', 'resume']);
    c.kill();
    await c.runningProgram!.exited;
    await c.close();
  });
});

/**
 * TCP connections between two computations on two hosts (native/README.md,
 * "Jobs across hosts"), played on loopback by two computations with their own
 * directories and coordinators: a server in X, a client in Y, two connections
 * (on one X's end has the lower port, on the other Y's), bytes left unread in
 * all four receive queues; over IPv4 and over IPv6. Each is checkpointed by
 * its own coordinator (X, then Y with --kill, then X is killed); the two
 * restorers run at the same time with `--peer-host 127.0.0.1` (or ::1) and
 * make the connections again between them, each end with its own waiting
 * bytes. A restorer whose partner never comes fails after its deadline,
 * naming the fd and the peer, with nothing of the program run and its file
 * put back undone. A checkpoint of a process whose sent bytes the peer never
 * acknowledges (a peer that does not read) fails after ~2 s, naming them.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Coordinator } from '../../adapter/engine/coordinator';
import type { EngineHello } from '../../adapter/engine/engineConnection';
import { CkptProcess, killStarted, runCkpt, skipWithoutEngine } from '../fixtures/cliRunner';
import { tempDir } from '../fixtures/harness';
import { NATIVE_BUILD, REPO } from '../scenarios/harness';
import { coordinatorsEndedAfter } from './fixtures/realCoordinators';

const skip = skipWithoutEngine();
const RESTORE = path.join(NATIVE_BUILD, 'ckpt-restore');
const openCoordinator = coordinatorsEndedAfter();

after(killStarted);

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The restorer run directly (the coordinator's restart has no --peer-host yet), as `coordinator`'s restart. */
function restore(image: string, coordinator: Coordinator, peerHost: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const child = spawn(RESTORE, ['--socket', coordinator.cdir.engineSocket, '--peer-host', peerHost, image], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, ...out });
    }),
  );
}

function runFile(file: string, args: string[]): Promise<Ran> {
  return new Promise((resolve) =>
    execFile(file, args, { timeout: 60000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr })),
  );
}

function restoredHello(c: Coordinator): Promise<EngineHello> {
  return new Promise((resolve) => {
    const on = (h: EngineHello): void => {
      if (!h.restored) return;
      c.off('hello', on);
      resolve(h);
    };
    c.on('hello', on);
  });
}

function onlyImage(dir: string): string {
  const snap = path.join(dir, 'snapshots', '1');
  const images = fs.readdirSync(snap).filter((f) => f.endsWith('.img'));
  assert.equal(images.length, 1, images.join(' '));
  return path.join(snap, images[0]);
}

const families = [
  { name: 'IPv4', arg: 'v4', host: '127.0.0.1', shown: String.raw`127\.0\.0\.1` },
  { name: 'IPv6', arg: 'v6', host: '::1', shown: String.raw`\[0:0:0:0:0:0:0:1\]` },
];

for (const family of families) describe(`TCP connections across hosts come back between two restorers (${family.name})`, { skip }, () => {
  let work: string;
  let peer: string;
  let dirX: string;
  let dirY: string;
  let go: string;
  let x: Coordinator;
  let y: Coordinator;

  before(async () => {
    work = tempDir('ckpt-across-');
    peer = path.join(work, 'across_peer');
    execFileSync('gcc', ['-O1', '-g', '-Wall', '-Wextra', '-Werror', '-o', peer, path.join(REPO, 'test', 'engine', 'across', 'across_peer.c')]);
    dirX = path.join(work, 'x');
    dirY = path.join(work, 'y');
    go = path.join(work, 'go');

    // Below the kernel's ephemeral ports (32768 and up), so that the client's
    // first connection comes from a higher port (X's end listens at restart)
    // and its second from LOW, a lower one (Y's end listens).
    const port = 21000 + Math.floor(Math.random() * 8000);
    const low = String(port - 1000);
    const server = new CkptProcess(['launch', '--dir', dirX, '--', peer, 'server', go, String(port), low, family.arg]);
    await server.waitForStdout(/^listening$/m);
    const client = new CkptProcess(['launch', '--dir', dirY, '--', peer, 'client', go, String(port), low, family.arg]);
    await server.waitForStdout(/^ready$/m);
    await client.waitForStdout(/^ready$/m);
    // On one machine the first program killed would reset the connection
    // before the second is saved (on two hosts, one checkpoint across both
    // saves all before any ends): X is saved running, Y with --kill, then X
    // is killed.
    for (const [dir, kill] of [[dirX, false], [dirY, true]] as const) {
      const r = await runCkpt(['checkpoint', '--dir', dir, ...(kill ? ['--kill'] : [])]);
      assert.equal(r.code, 0, r.stderr);
    }
    { const r = await client.done; assert.equal(r.code, 0, r.stderr); }
    { const r = await runCkpt(['kill', '--dir', dirX]); assert.equal(r.code, 0, r.stderr); }
    { const r = await server.done; assert.equal(r.code, 137, r.stderr); }
    x = await openCoordinator(dirX);
    y = await openCoordinator(dirY);
  });

  test('a restorer whose partner never comes fails after the deadline, naming the fd and the peer; the program did not run', async () => {
    const log = `${go}.server.log`;
    fs.writeFileSync(log, 'changed after the snapshot\n');
    let hellos = 0;
    const count = (): number => hellos++;
    x.on('hello', count);
    const t0 = Date.now();
    const r = await restore(onlyImage(dirX), x, family.host, { CKPT_ACROSS_HOSTS_WAIT_MS: '1500' });
    const took = Date.now() - t0;
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '', 'nothing of the program ran');
    // the note of the file it put back (then undid), and the refusal
    assert.match(r.stderr, /^ckpt-restore: \S+\.server\.log: put back as at the snapshot .*\n/);
    assert.match(r.stderr.replace(/^.*\.server\.log.*\n/, ''), new RegExp(String.raw`^ckpt-restore: /\S+/snapshots/1/p\d+\.img \(across_peer\): cannot remake the connection of fd \d+ to ${family.shown}:\d+ across hosts: .* within 1500 ms\n$`));
    assert.ok(took >= 1400 && took < 20000, `it waited for the deadline (${took} ms)`);
    x.off('hello', count);
    assert.equal(hellos, 0, 'no restored process said hello');
    assert.equal(fs.readFileSync(log, 'utf8'), 'changed after the snapshot\n', 'the refused restart undid the file it had put back');
    // --check takes the option and leaves it alone
    const check = await runFile(RESTORE, ['--check', '--peer-host', '127.0.0.1', '--peer-host', '::1', onlyImage(dirX), onlyImage(dirY)]);
    assert.equal(check.code, 0, check.stderr);
  });

  test("restorers of different restarts (another secret): the connection is refused before its bytes are taken; neither program ran", async () => {
    const secret = (c: string) => ({ CKPT_ACROSS_HOSTS_SECRET: c.repeat(64), CKPT_ACROSS_HOSTS_WAIT_MS: '20000' });
    const [rx, ry] = await Promise.all([restore(onlyImage(dirX), x, family.host, secret('a')), restore(onlyImage(dirY), y, family.host, secret('b'))]);
    for (const r of [rx, ry]) {
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '', 'nothing of the program ran');
    }
    assert.match(rx.stderr + ry.stderr, /cannot remake the connection of fd \d+ to \S+ across hosts: the connection did not carry this restart's secret \(not the other host's restorer\)/);
    const bad = await restore(onlyImage(dirX), x, family.host, { CKPT_ACROSS_HOSTS_SECRET: 'xyz' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /CKPT_ACROSS_HOSTS_SECRET wants 64 hex digits/);
  });

  test('both restorers at once (one secret): each end gets its own waiting bytes back first, then new bytes flow both ways', async () => {
    fs.rmSync(go, { force: true });
    const hellos = Promise.all([restoredHello(x), restoredHello(y)]);
    const secret = { CKPT_ACROSS_HOSTS_SECRET: '0123456789abcdef'.repeat(4) };
    const rx = restore(onlyImage(dirX), x, family.host, secret);
    const ry = restore(onlyImage(dirY), y, family.host, secret);
    const ended = Promise.race([rx, ry]).then((r) => assert.fail(`a restorer ended before both programs ran: ${JSON.stringify(r)}`));
    await Promise.race([hellos, ended]);
    fs.writeFileSync(go, '');
    const [sx, sy] = await Promise.all([rx, ry]);
    assert.equal(sx.code, 0, `server: ${sx.stdout}${sx.stderr}`);
    assert.equal(sy.code, 0, `client: ${sy.stdout}${sy.stderr}`);
    assert.equal(sx.stdout, 'connection 0: waiting bytes: 23, as sent\nconnection 1: waiting bytes: 23, as sent\n' +
      'connection 0: got: new 0 from the client\nconnection 1: got: new 1 from the client\n');
    assert.equal(sy.stdout, 'connection 0: waiting bytes: 4000, as sent\nconnection 1: waiting bytes: 4000, as sent\n' +
      'connection 0: got: new 0 from the server\nconnection 1: got: new 1 from the server\n');
    assert.equal(sx.stderr.replace(/^ckpt-restore: .*\.server\.log.*\n/m, ''), '', 'the server\'s restorer says only that it put back its file');
    assert.equal(sy.stderr, '');
    assert.equal(fs.readFileSync(`${go}.server.log`, 'utf8'), 'written by the server\n');
  });
});

describe('a checkpoint waits until the bytes sent over TCP are acknowledged', { skip }, () => {
  test('a peer that never reads: the checkpoint fails after ~2 s naming the fd, the bytes and the peer; the program runs on', async () => {
    const work = tempDir('ckpt-outq-');
    const peer = path.join(work, 'across_peer');
    execFileSync('gcc', ['-O1', '-g', '-o', peer, path.join(REPO, 'test', 'engine', 'across', 'across_peer.c')]);
    // outside any computation, and it never reads what it is sent
    const sockets: net.Socket[] = [];
    const server = net.createServer({ pauseOnConnect: true }, (s) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const dir = path.join(work, 'z');
      const go = path.join(work, 'go');
      const stuck = new CkptProcess(['launch', '--dir', dir, '--', peer, 'stuck', go, String(port)]);
      await stuck.waitForStdout(/^ready \d+$/m);
      assert.ok(Number(/^ready (\d+)$/m.exec(stuck.stdout)![1]) > 0, 'its send queue is not empty');
      const t0 = Date.now();
      const r = await runCkpt(['checkpoint', '--dir', dir]);
      const took = Date.now() - t0;
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, new RegExp(`fd \\d+: \\d+ bytes sent to 127\\.0\\.0\\.1:${port} not yet acknowledged after 2 s`));
      assert.ok(took >= 1900, `it waited (${took} ms)`);
      fs.writeFileSync(go, '');
      const end = await stuck.done;
      assert.equal(end.code, 0, end.stderr);
      assert.match(end.stdout, /\ndone\n$/);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});

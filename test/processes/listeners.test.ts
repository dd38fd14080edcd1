import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { checkpoint, finish, launch, restart, runCkpt, runPlain, savedAndRestarted, skipUnlessBuilt, Workspace } from './fixtures/computation';

const ws = new Workspace();
after(() => ws.cleanup());

/**
 * A loopback server that talks to itself without SO_REUSEADDR (Python's plain
 * socket): each round connects, accepts, sends a line and closes the accepted
 * end first, so every round leaves a connection in TIME_WAIT on the listening
 * port, as a busy server does.
 */
const SERVER_PY = String.raw`
import socket, time
srv = socket.socket()
srv.bind(('127.0.0.1', 0))
srv.listen(8)
port = srv.getsockname()[1]
i = 0
while True:
    c = socket.create_connection(('127.0.0.1', port))
    a, _ = srv.accept()
    c.sendall(b'%d\n' % i)
    got = a.recv(64)
    assert got == b'%d\n' % i, got
    a.close()
    c.close()
    i += 1
    if i % 20 == 0:
        print('round', i, flush=True)
    time.sleep(0.002)
`;

/**
 * Open MPI's pair of listeners: an IPv6-only socket on [::]:P and an IPv4 one
 * on 0.0.0.0:P. After the gate, each takes a connection of its own family.
 */
const PAIR_PY = String.raw`
import os, socket, sys, time
gate = sys.argv[1]
s6 = socket.socket(socket.AF_INET6)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s6.bind(('::', 0))
s6.listen(4)
port = s6.getsockname()[1]
s4 = socket.socket()
s4.bind(('0.0.0.0', port))
s4.listen(4)
print('listening', flush=True)
while not os.path.exists(gate):
    time.sleep(0.02)
for name, addr, srv in (('v4', '127.0.0.1', s4), ('v6', '::1', s6)):
    c = socket.create_connection((addr, port))
    a, _ = srv.accept()
    c.sendall(name.encode())
    print(name, a.recv(8).decode(), a.family == c.family, flush=True)
print('v6only', s6.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY))
`;

describe('listening TCP sockets at restart', { skip: skipUnlessBuilt }, () => {
  test('a server whose port is full of TIME_WAIT connections listens again, 100 restarts in a row', { timeout: 900000 }, async () => {
    const dir = ws.dir('timewait');
    const script = path.join(ws.root, 'server.py');
    fs.writeFileSync(script, SERVER_PY);
    const run = launch(dir, ['python3', script]);
    await run.waitForStdout(/^round 100$/m);
    const saved = await checkpoint(dir, '--kill');
    assert.equal(saved.code, 0, saved.stderr);
    await finish(run, dir);

    for (let k = 1; k <= 100; k++) {
      const again = restart(dir, saved.id!);
      // more rounds than the snapshot had: it listened and accepted again
      await again.waitForStdout(/^round (1[2-9]\d|[2-9]\d\d)$/m);
      const killed = await runCkpt(['kill', '--dir', dir]);
      assert.equal(killed.code, 0, `restart ${k}: ${killed.stderr}`);
      const r = await finish(again, dir);
      assert.doesNotMatch(r.stderr, /address in use|cannot/, `restart ${k}`);
    }
  });

  test('an IPv6-only listener and an IPv4 one on the same port both listen again', async () => {
    const script = path.join(ws.root, 'pair.py');
    fs.writeFileSync(script, PAIR_PY);
    const plain = await runPlain(['python3', script, ws.openGate('pair-plain')]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, 'listening\nv4 v4 True\nv6 v6 True\nv6only 1\n');
    const { first, again } = await savedAndRestarted(ws.dir('pair'), ws.gate('pair'), ['python3', script, ws.gate('pair')], /^listening$/m);
    assert.equal(first.stdout + again.stdout, plain.stdout);
  });
});

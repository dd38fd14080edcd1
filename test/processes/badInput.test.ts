import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { checkpoint, finish, launch, restart, runCkpt, skipUnlessBuilt, Workspace } from './fixtures/computation';

const ws = new Workspace();
const servers: net.Server[] = [];
after(() => {
  for (const s of servers) s.close();
  ws.cleanup();
});

/** Connects to a server outside the computation, talks once, then waits for the next line. */
const OUTSIDE_CLIENT_PL = String.raw`
use strict; use warnings; use IO::Socket::INET;
$| = 1;
$SIG{PIPE} = 'IGNORE'; # a write to the closed connection fails with EPIPE instead of ending perl
my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $ARGV[0]) or die "connect: $!";
$c->autoflush(1);
print $c "hello\n";
my $greeting = <$c>;
print "got $greeting";
my $next = <$c>;
if (defined $next) { print "got $next" } else { print "connection closed\n" }
print $c "still there?\n" or print "write failed: $!\n";
print "end\n";
`;

describe('bad input', { skip: skipUnlessBuilt }, () => {
  test('a connection to a host outside the computation comes back closed: the read sees end of file', async () => {
    const received: string[] = [];
    const server = net.createServer((sock) => {
      sock.setEncoding('utf8');
      sock.on('data', (d: string) => {
        received.push(d);
        if (d.includes('hello')) sock.write('welcome\n');
      });
      sock.on('error', () => undefined);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const script = path.join(ws.root, 'outside.pl');
    fs.writeFileSync(script, OUTSIDE_CLIENT_PL);

    const dir = ws.dir('outside');
    const run = launch(dir, ['perl', script, String(port)]);
    await run.waitForStdout(/^got welcome\n/m);
    const saved = await checkpoint(dir, '--kill');
    assert.equal(saved.code, 0, saved.stderr);
    const first = await finish(run, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, 'got welcome\n');

    const again = await finish(restart(dir, saved.id!), dir);
    assert.equal(again.code, 0, again.stderr);
    // The restored program's write may fail (EPIPE) or be ignored; it must not hang, and its read must see the end.
    assert.match(again.stdout, /^connection closed\n(write failed: .*\n)?end\n$/);
    assert.deepEqual(received, ['hello\n'], 'the outside server heard nothing from the restored program');
  });

  test('checkpoints while a shell forks and execs quickly: each succeeds and restarts, or fails with a message', async () => {
    const dir = ws.dir('churn');
    const loop = 'i=0; while [ $i -lt 1000 ]; do /bin/true; i=$((i+1)); done; echo done $i';
    const run = launch(dir, ['sh', '-c', loop]);
    const saved: string[] = [];
    const failures: string[] = [];
    // Give orders as fast as the CLI can while the loop runs; a few of them land mid-fork or mid-exec.
    while (run.child.exitCode === null && saved.length + failures.length < 5) {
      const r = await checkpoint(dir);
      if (r.code === 0) saved.push(r.id!);
      else {
        assert.equal(r.code, 1, `a failure is a message, not a crash: ${r.stderr}`);
        assert.match(r.stderr, /^ckpt checkpoint: \S.*\n$/);
        assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
        failures.push(r.stderr);
      }
    }
    const first = await finish(run, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, 'done 1000\n', 'checkpoints did not disturb the loop');
    const ended = failures.filter((f) => /no program is running/.test(f));
    assert.ok(saved.length + failures.length - ended.length > 0, 'at least one order reached the running loop');
    for (const f of failures) assert.match(f, /^ckpt checkpoint: /);

    for (const id of saved) {
      const again = await finish(restart(dir, id), dir);
      assert.equal(again.code, 0, `snapshot ${id}: ${again.stderr}`);
      assert.equal(again.stdout, 'done 1000\n', `snapshot ${id} finishes the loop`);
    }
  });

  test('restart --path-map to a place where the file is not: an error naming it, and nothing runs', async () => {
    const data = path.join(ws.root, 'data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'input.txt'), 'one\ntwo\n');
    const dir = ws.dir('pathmap');
    // The shell holds input.txt open on fd 3 and waits for a line on stdin.
    const run = launch(dir, ['sh', '-c', `exec 3<${data}/input.txt; read a <&3; echo "first $a"; read x; read b <&3; echo "second $b"`]);
    await run.waitForStdout(/^first one\n/);
    const saved = await checkpoint(dir, '--kill');
    assert.equal(saved.code, 0, saved.stderr);
    await finish(run, dir);

    const moved = path.join(ws.root, 'moved');
    const r = await runCkpt(['restart', '--dir', dir, '--path-map', `${data}=${moved}`, saved.id!]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^ckpt restart: cannot restart snapshot ${saved.id}: .*${moved}\\b.*(does not exist|no such file)`, 'i'));
    assert.equal(r.stdout, '', 'nothing of the program ran');

    // Moved there for real, the same map works.
    fs.renameSync(data, moved);
    const ok = await runCkpt(['restart', '--dir', dir, '--path-map', `${data}=${moved}`, saved.id!], {}, 'go\n');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'second two\n');
  });
});

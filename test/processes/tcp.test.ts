import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ResourceTables } from '../../adapter/engine/tables';
import { checkpoint, finish, launch, restart, runCkpt, runPlain, skipUnlessBuilt, Workspace } from './fixtures/computation';

const ws = new Workspace();
after(() => ws.cleanup());

/**
 * A server and its client (a forked child) over loopback TCP, written with
 * IO::Socket::INET from perl-base: the client sends numbered pings and folds
 * the server's pongs into a checksum; the server sums what it received.
 */
const TCP_PL = String.raw`
use strict; use warnings; use IO::Socket::INET;
$| = 1;
my ($n, $gate) = (40000, $ARGV[0]);
my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1, ReuseAddr => 1) or die "listen: $!";
my $pid = fork // die "fork: $!";
if ($pid == 0) {
  my $port = $srv->sockport;
  close $srv;
  my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) or die "connect: $!";
  $c->autoflush(1);
  my $sum = 0;
  for my $i (1 .. $n) {
    print $c "ping $i\n";
    my $r = <$c>;
    defined $r or die "server closed at $i";
    my ($v) = $r =~ /^pong (\d+)$/ or die "bad answer '$r'";
    $sum = ($sum * 131 + $v) % 1000000007;
    print "client $i $sum\n" if $i % 4000 == 0;
    select(undef, undef, undef, 0.02) until $i != $n - 1000 || -e $gate;
  }
  close $c;
  print "client done $sum\n";
  exit 0;
}
my $conn = $srv->accept or die "accept: $!";
$conn->autoflush(1);
my $total = 0;
while (my $line = <$conn>) {
  my ($i) = $line =~ /^ping (\d+)$/ or die "bad ping '$line'";
  $total += $i;
  print $conn "pong ", $i * 7 % 1000003, "\n";
}
waitpid $pid, 0;
print "server done $total, client status $?\n";
`;

/** A parent and its child over a Unix socketpair: numbered questions, answers folded into a checksum. */
const SOCKETPAIR_PL = String.raw`
use strict; use warnings; use Socket; use IO::Handle;
$| = 1;
my ($n, $gate) = (40000, $ARGV[0]);
socketpair(my $p, my $c, AF_UNIX, SOCK_STREAM, PF_UNSPEC) or die "socketpair: $!";
$p->autoflush(1); $c->autoflush(1);
my $pid = fork // die "fork: $!";
if ($pid == 0) {
  close $p;
  while (my $q = <$c>) { chomp $q; print $c $q * $q % 65521, "\n" }
  exit 0;
}
close $c;
my $sum = 0;
for my $i (1 .. $n) {
  print $p "$i\n";
  my $a = <$p>;
  defined $a or die "child closed at $i";
  $sum = ($sum * 33 + $a) % 1000000007;
  print "asked $i $sum\n" if $i % 4000 == 0;
  select(undef, undef, undef, 0.02) until $i != $n - 1000 || -e $gate;
}
close $p;
waitpid $pid, 0;
print "done $sum, child status $?\n";
`;

describe('a client and a server over loopback TCP', { skip: skipUnlessBuilt }, () => {
  let script: string;
  let reference: string;

  before(async () => {
    script = path.join(ws.root, 'tcp.pl');
    fs.writeFileSync(script, TCP_PL);
    const plain = await runPlain(['perl', script, ws.openGate('tcp-plain')]);
    assert.equal(plain.code, 0, plain.stderr);
    reference = plain.stdout;
    assert.match(reference, /\nclient done \d+\nserver done 800020000, client status 0\n$/);
  });

  test('saved mid-conversation with --kill, restarted: the same exchange to the end', async () => {
    const dir = ws.dir('tcp');
    const gate = ws.gate('tcp');
    const run = launch(dir, ['perl', script, gate]);
    await run.waitForStdout(/^client 4000 /m);

    // The live tables know both ends of the connection and the listening socket.
    const status = await runCkpt(['status', '--dir', dir, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const live = JSON.parse(status.stdout) as ResourceTables;
    assert.equal(live.processes.length, 2);
    const [server, client] = [...live.processes].sort((a, b) => a.vpid - b.vpid);
    assert.equal(client.vppid, server.vpid);
    const listening = server.fds.find((f) => f.kind === 'socket' && f.local !== undefined && f.remote === undefined);
    assert.ok(listening, `the server listens: ${JSON.stringify(server.fds)}`);
    assert.match(listening.local!, /^127\.0\.0\.1:\d+$/);
    const accepted = server.fds.find((f) => f.kind === 'socket' && f.remote !== undefined);
    const connected = client.fds.find((f) => f.kind === 'socket' && f.remote !== undefined);
    assert.ok(accepted && connected);
    assert.equal(connected.remote, accepted.local);
    assert.equal(accepted.remote, connected.local);
    assert.deepEqual(accepted.peer, { vpid: client.vpid, fd: connected.fd });
    assert.deepEqual(connected.peer, { vpid: server.vpid, fd: accepted.fd });
    const text = await runCkpt(['status', '--dir', dir]);
    assert.match(text.stdout, new RegExp(`socket:\\[\\d+\\] ${connected.local} → ${connected.remote}  \\(peer: process ${server.vpid} fd ${accepted.fd}\\)`));

    const saved = await checkpoint(dir, '--kill');
    assert.equal(saved.code, 0, saved.stderr);
    const first = await finish(run, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stdout, /done/, 'saved mid-conversation');
    assert.ok(reference.startsWith(first.stdout));
    fs.writeFileSync(gate, '');

    // The snapshot's tables link the same ends (the endpoints were kept in the manifest).
    const inspect = await runCkpt(['inspect', '--dir', dir, saved.id!, '--json']);
    assert.equal(inspect.code, 0, inspect.stderr);
    const snap = JSON.parse(inspect.stdout) as ResourceTables;
    const sockets = (t: ResourceTables) => t.processes.map((p) => p.fds.filter((f) => f.kind === 'socket').map((f) => [f.fd, f.local, f.remote, f.peer]));
    assert.deepEqual(sockets(snap), sockets(live));

    const again = await finish(restart(dir, saved.id!), dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(first.stdout + again.stdout, reference);
  });
});

describe('a parent and child over a Unix socketpair', { skip: skipUnlessBuilt }, () => {
  test('peers in the live and the snapshot tables; --kill mid-conversation, restart to the same end', async () => {
    const script = path.join(ws.root, 'socketpair.pl');
    fs.writeFileSync(script, SOCKETPAIR_PL);
    const plain = await runPlain(['perl', script, ws.openGate('socketpair-plain')]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /\ndone \d+, child status 0\n$/);

    const dir = ws.dir('socketpair');
    const gate = ws.gate('socketpair');
    const run = launch(dir, ['perl', script, gate]);
    await run.waitForStdout(/^asked 4000 /m);
    const status = await runCkpt(['status', '--dir', dir, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const live = JSON.parse(status.stdout) as ResourceTables;
    const [parent, child] = [...live.processes].sort((a, b) => a.vpid - b.vpid);
    const ps = parent.fds.find((f) => f.kind === 'socket')!;
    const cs = child.fds.find((f) => f.kind === 'socket')!;
    assert.ok(ps && cs, 'each holds one end');
    assert.deepEqual(ps.peer, { vpid: child.vpid, fd: cs.fd });
    assert.deepEqual(cs.peer, { vpid: parent.vpid, fd: ps.fd });

    const saved = await checkpoint(dir, '--kill');
    assert.equal(saved.code, 0, saved.stderr);
    const first = await finish(run, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stdout, /done/);
    fs.writeFileSync(gate, '');
    const inspect = await runCkpt(['inspect', '--dir', dir, saved.id!, '--json']);
    const snap = JSON.parse(inspect.stdout) as ResourceTables;
    const sockets = (t: ResourceTables) => t.processes.map((p) => p.fds.filter((f) => f.kind === 'socket').map((f) => [f.fd, f.path, f.peer]));
    assert.deepEqual(sockets(snap), sockets(live));

    const again = await finish(restart(dir, saved.id!), dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(first.stdout + again.stdout, plain.stdout);
  });
});

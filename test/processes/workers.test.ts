import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ResourceTables } from '../../adapter/engine/tables';
import { checkpoint, finish, launch, restart, runCkpt, runPlain, skipUnlessBuilt, Workspace } from './fixtures/computation';
import { waitForProcesses } from './fixtures/waiting';

const ws = new Workspace();
after(() => ws.cleanup());

/**
 * perl starts three workers, each with a pipe to it and one back; the parent
 * deals out numbered jobs round-robin and folds the answers into a running
 * checksum. About two seconds of work.
 */
const WORKERS_PL = String.raw`
use strict; use warnings;
$| = 1;
my ($jobs, $nworkers, $gate) = (60000, 3, $ARGV[0]);
my (@to, @from);
for my $w (0 .. $nworkers - 1) {
  pipe(my $job_r, my $job_w) or die "pipe: $!";
  pipe(my $ans_r, my $ans_w) or die "pipe: $!";
  my $pid = fork // die "fork: $!";
  if ($pid == 0) {
    close $job_w; close $ans_r;
    close $_ for @to, @from;
    select((select($ans_w), $| = 1)[0]);
    while (my $n = <$job_r>) {
      chomp $n;
      my $h = $n;
      $h = ($h * 1103515245 + 12345) % 2147483648 for 1 .. 50;
      print $ans_w "$w $n $h\n";
    }
    exit 0;
  }
  close $job_r; close $ans_w;
  select((select($job_w), $| = 1)[0]);
  push @to, $job_w; push @from, $ans_r;
}
my $sum = 0;
for my $n (1 .. $jobs) {
  my $w = $n % $nworkers;
  print { $to[$w] } "$n\n";
  my $line = readline $from[$w];
  defined $line or die "worker $w closed its pipe at job $n";
  my (undef, $m, $h) = split ' ', $line;
  $m == $n or die "worker $w answered job $m for job $n";
  $sum = ($sum * 31 + $h) % 1000000007;
  print "job $n sum $sum\n" if $n % 5000 == 0;
  select(undef, undef, undef, 0.02) until $n != $jobs - 5000 || -e $gate;
}
close $_ for @to;
my $ended = 0;
$ended++ while wait != -1;
print "done $jobs jobs, $ended workers ended, sum $sum\n";
`;

describe('perl with worker processes over pipes', { skip: skipUnlessBuilt }, () => {
  let script: string;
  let reference: string;
  let dir: string;
  let snapshot: string;
  let before_: string;
  let gate: string;
  let tree: unknown[];
  let pids: number[];

  before(async () => {
    script = path.join(ws.root, 'workers.pl');
    fs.writeFileSync(script, WORKERS_PL);
    const plain = await runPlain(['perl', script, ws.openGate('workers-plain')]);
    assert.equal(plain.code, 0, plain.stderr);
    reference = plain.stdout;
    assert.match(reference, /\ndone 60000 jobs, 3 workers ended, sum \d+\n$/);
  });

  test('saved mid-run with --kill: four processes, each worker joined to the parent by two pipes', async () => {
    dir = ws.dir('workers');
    gate = ws.gate('workers');
    const run = launch(dir, ['perl', script, gate]);
    await run.waitForStdout(/^job 5000 /m);
    const status = await runCkpt(['status', '--dir', dir, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const live = JSON.parse(status.stdout) as ResourceTables;
    assert.equal(live.processes.length, 4);
    const parent = live.processes.find((p) => live.processes.every((q) => q === p || q.vppid === p.vpid))!;
    assert.ok(parent, 'one process is the parent of the others');
    for (const worker of live.processes.filter((p) => p !== parent)) {
      const links = worker.fds.filter((f) => f.kind === 'pipe').map((f) => f.peer?.vpid);
      assert.deepEqual(links, [parent.vpid, parent.vpid], `worker ${worker.vpid} has two pipes to the parent`);
    }

    const saved = await checkpoint(dir, '--kill');
    assert.equal(saved.code, 0, saved.stderr);
    const first = await finish(run, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stdout, /^done/m, 'saved before the end');
    assert.ok(reference.startsWith(first.stdout));
    snapshot = saved.id!;
    before_ = first.stdout;
    tree = live.processes.map((p) => [p.vpid, p.vppid, p.pgid, p.sid, p.argv]);
    pids = live.processes.map((p) => p.pid);
  });

  test('the same snapshot restarted twice in a row: the same tree, and each run ends as the uninterrupted one', async () => {
    assert.ok(snapshot, 'the first test saved a snapshot');
    for (const round of [1, 2]) {
      const running = restart(dir, snapshot);
      if (round === 1) {
        // Held at the gate: the restored tree as the tables show it.
        const t = await waitForProcesses(dir, 4, running);
        assert.deepEqual(t.processes.map((p) => [p.vpid, p.vppid, p.pgid, p.sid, p.argv]), tree, 'same ids, parents, groups, sessions');
        assert.ok(t.processes.every((p) => !pids.includes(p.pid)), 'new kernel pids');
        fs.writeFileSync(gate, '');
      }
      const again = await finish(running, dir);
      assert.equal(again.code, 0, `round ${round}: ${again.stderr}`);
      assert.equal(before_ + again.stdout, reference, `round ${round}`);
    }
  });
});

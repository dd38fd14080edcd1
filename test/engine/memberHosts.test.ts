/**
 * The link between the coordinators of a computation across hosts
 * (adapter/engine/acrossHosts/), with the real engine and two real
 * coordinators on this machine standing for two hosts: who may join (the
 * invitation's token and directory, nothing else), the live tables of both,
 * one checkpoint whose manifest names the other host's part, a failure on
 * the other host giving the snapshot up on both, and no snapshot while the
 * other host's coordinator has not joined, or was lost. The MPI jobs across two
 * real hosts (network namespaces, sshd) are in test/mpi/acrossHosts.test.ts.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { joinLeader } from '../../adapter/engine/acrossHosts/memberLink';
import { tempDir, waitFor } from '../fixtures/harness';
import { Programs } from '../fixtures/dapHarness';
import { collect, coordinatorsEndedAfter, engineSkip } from './fixtures/realCoordinators';

const openCoordinator = coordinatorsEndedAfter();
const programs = new Programs();

/** What the leader answers a join line sent by hand, and whether it then closes the link. */
async function joinByHand(port: number, line: string): Promise<{ answer: string; closed: boolean }> {
  const sock = net.connect({ host: '127.0.0.1', port });
  let text = '';
  sock.setEncoding('utf8').on('data', (d: string) => (text += d));
  const closed = new Promise<boolean>((resolve) => sock.on('close', () => resolve(true)));
  await new Promise((resolve) => sock.once('connect', resolve));
  sock.write(line + '\n');
  const result = await Promise.race([closed, new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
  sock.destroy();
  return { answer: text, closed: result };
}

describe('coordinators of two hosts', { skip: engineSkip }, () => {
  test('only the invited host joins; its processes are in the tables and in one snapshot with ours; a failure there gives it up on both', async () => {
    const work = tempDir('ckpt-member-hosts-');
    const spin = programs.build('spin');
    const leader = await openCoordinator(path.join(work, 'lead'));
    const invite = await leader.hosts.invite('hostb');
    assert.equal(invite.dir, path.join(leader.dir, 'hosts', 'hostb'));

    const wrongToken = await joinByHand(invite.port, JSON.stringify({ type: 'join', token: 'ff'.repeat(24), dir: invite.dir }));
    assert.match(wrongToken.answer, /"refused"/);
    assert.equal(wrongToken.closed, true, 'a wrong token is shown the door');
    const notInvited = await joinByHand(invite.port, JSON.stringify({ type: 'join', token: invite.token, dir: path.join(work, 'elsewhere') }));
    assert.match(notInvited.answer, /"refused"/);
    assert.equal(leader.hosts.list().length, 0);

    const member = await openCoordinator(invite.dir);
    const theirs = await member.launch(spin, [], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ours = await leader.launch(spin, [], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [theirOut, ourOut] = [collect(theirs.child.stdout), collect(ours.child.stdout)];
    await waitFor(() => /running/.test(theirOut.text) && /running/.test(ourOut.text), 'both programs');
    await assert.rejects(leader.checkpoint(), /host hostb was invited, and its coordinator has not joined yet/, 'a snapshot without the invited host would be wrong');
    const link = await joinLeader(member, { host: '127.0.0.1', port: invite.port }, invite.token, '127.0.0.1');
    await waitFor(() => leader.hosts.list().length === 1, 'the member joined');

    const tables = await leader.status();
    assert.deepEqual(tables.processes.map((p) => [p.pid, p.host]), [[ours.pid, undefined], [theirs.pid, 'hostb']]);

    const snap = await leader.checkpoint({ label: 'both' });
    const manifest = leader.store.manifest(snap.id);
    assert.equal(manifest.hosts?.length, 1);
    const part = manifest.hosts![0];
    assert.equal(part.name, 'hostb');
    assert.equal(part.dir, invite.dir);
    assert.deepEqual(part.processes.map((p) => p.pid), [theirs.pid]);
    assert.ok(fs.statSync(path.join(member.cdir.snapshot(snap.id), part.processes[0].image)).size > 0);
    assert.deepEqual(member.store.list().map((s) => s.id), [snap.id], "the member's part carries the leader's id");
    assert.deepEqual(snap.hosts, [{ name: 'hostb', processes: 1 }]);

    // A process stopped by hand on the other host cannot be saved: the snapshot is given up on both.
    process.kill(theirs.pid, 'SIGSTOP');
    try {
      await assert.rejects(leader.checkpoint(), /host hostb.*is stopped/s);
    } finally {
      process.kill(theirs.pid, 'SIGCONT');
    }
    assert.deepEqual(leader.store.list().map((s) => s.id), [snap.id], 'no second snapshot here');
    assert.deepEqual(member.store.list().map((s) => s.id), [snap.id], 'nor there');
    // both programs run on, and the next snapshot is whole again
    const again = await leader.checkpoint();
    assert.deepEqual(leader.store.manifest(again.id).hosts?.[0].processes.map((p) => p.pid), [theirs.pid]);

    // Replacing the running program by such a snapshot would bring back only this host's part.
    await assert.rejects(leader.replace(again.id), /snapshot \d+ spans hosts: end the job \(`ckpt kill`\) and bring it back with `ckpt restart`/);
    assert.equal(leader.runningProgram?.pid, ours.pid, 'nothing was touched');
    await leader.checkpoint({ label: 'still whole' });

    leader.store.delete(snap.id);
    assert.deepEqual(member.store.list().map((s) => s.id).slice(0, 1), [again.id], "deleting the snapshot deletes the other host's part");
    assert.equal(member.store.list().length, 2);

    // The other host's coordinator gone without saying its part ended: its processes cannot be saved.
    link.close();
    await waitFor(() => leader.hosts.list().length === 0, 'the leader saw the link close');
    await assert.rejects(leader.checkpoint(), /host hostb lost its coordinator/);
  });
});

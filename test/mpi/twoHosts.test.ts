/**
 * The two-host test bed itself (test/fixtures/twoHosts.ts), with real Open
 * MPI and no checkpoint engine: each host says its own name, mpirun started
 * on host A reaches host B with ssh and places ranks on both, the ring across
 * the two hosts prints what it prints on one, and stop() leaves no namespace,
 * link, sshd or key behind. The tests skip, saying so, where Open MPI is
 * missing or two hosts cannot be made (not root, no sshd, ...).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { runPlain } from '../processes/fixtures/computation';
import { tempDir } from '../fixtures/harness';
import { skipUnlessTwoHosts, startTwoHosts, TwoHosts } from '../fixtures/twoHosts';
import { buildRing, mpiLeftovers, mpirun, mpiStrays, skipUnlessMpi } from './mpiJob';

const ROUNDS = 20;
const SIZE = 8192;

describe('two hosts on one machine (network and UTS namespaces, sshd)', { skip: skipUnlessTwoHosts }, () => {
  describe('with Open MPI', { skip: skipUnlessMpi }, () => {
    let bed: TwoHosts;
    let dir: string;
    let leftAtStart: string[];
    before(async () => {
      leftAtStart = mpiLeftovers();
      dir = tempDir('ckpt-two-hosts-test-');
      bed = await startTwoHosts();
    });
    after(async () => {
      await bed?.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      // what the jobs left (never what a running job uses)
      for (const f of await mpiStrays(leftAtStart ?? [])) fs.rmSync(f, { recursive: true, force: true });
    });

    /** mpirun's argv for np ranks of argv, two on each host, started on a. */
    const acrossHosts = (np: number, argv: string[]): string[] =>
      mpirun(np, argv, undefined, { host: `${bed.a.address}:2,${bed.b.address}:2`, mca: { plm_rsh_agent: bed.rshAgent } });

    test('each host has its own name and address; ssh from a reaches b and finds orted', { timeout: 60000 }, async () => {
      assert.notEqual(bed.a.name, bed.b.name);
      for (const h of ['a', 'b'] as const) {
        const r = await bed.exec(h, ['hostname']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.trim(), bed[h].name, `hostname on ${h}`);
        const addr = await bed.exec(h, ['ip', '-4', '-o', 'addr', 'show']);
        assert.match(addr.stdout, new RegExp(`inet ${bed[h].address.replace(/\./g, '\\.')}/24 `), `address of ${h}`);
      }
      // what mpirun's launcher does: ssh from a to b, with sshd's PATH
      const remote = await bed.exec('a', [...bed.sshArgs, bed.b.address, 'hostname; command -v orted']);
      assert.equal(remote.code, 0, remote.stderr);
      assert.deepEqual(remote.stdout.trim().split('\n'), [bed.b.name, '/usr/bin/orted']);
      // and the agent script for --mca plm_rsh_agent
      const agent = await bed.exec('a', [bed.rshAgent, bed.b.address, 'hostname']);
      assert.equal(agent.code, 0, agent.stderr);
      assert.equal(agent.stdout.trim(), bed.b.name);
    });

    test('mpirun --host A:2,B:2 places two ranks on each host', { timeout: 120000 }, async () => {
      const r = await bed.exec('a', acrossHosts(4, ['hostname']));
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n').sort(), [bed.a.name, bed.a.name, bed.b.name, bed.b.name].sort(), r.stdout);
    });

    test(`the ring of 4 ranks across two hosts prints what it prints on one (${ROUNDS} rounds, ${SIZE} bytes)`, { timeout: 180000 }, async () => {
      const ring = buildRing(dir);
      // open gates: the ring does not wait before its last rounds
      const gate = path.join(dir, 'gate');
      fs.writeFileSync(gate, '');
      const plain = await runPlain(mpirun(4, [ring, String(ROUNDS), String(SIZE), gate]));
      assert.equal(plain.code, 0, plain.stderr);
      assert.match(plain.stdout, new RegExp(`\\ndone 4 ranks ${ROUNDS} rounds\\n$`));
      const two = await bed.exec('a', acrossHosts(4, [ring, String(ROUNDS), String(SIZE), gate]));
      assert.equal(two.code, 0, two.stderr);
      assert.equal(two.stdout, plain.stdout);
    });
  });

  test('stop() leaves no namespace, link, sshd or key directory behind, and may be called again', { timeout: 60000 }, async (t) => {
    const bed = await startTwoHosts(t);
    const sshdPids = spawnSync('ip', ['netns', 'pids', bed.b.netns], { encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean).map(Number);
    assert.ok(sshdPids.length > 0, 'sshd runs in b');
    // a process left running on a is killed too
    const sleeper = bed.run('a', ['sleep', '600'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 200));
    const keyDir = path.dirname(bed.rshAgent);
    assert.ok(fs.existsSync(keyDir));
    await bed.stop();
    await bed.stop();
    const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    for (const ns of [bed.a.netns, bed.b.netns]) assert.doesNotMatch(namespaces, new RegExp(`^${ns}\\b`, 'm'), `netns ${ns}`);
    const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
    assert.doesNotMatch(links, new RegExp(`: ckv${process.pid}\\d*[ab][@:]`), 'no veth left here');
    const running = (pid: number) => {
      try {
        return !/^State:\s*Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return false;
      }
    };
    for (const pid of sshdPids) assert.ok(!running(pid), `sshd ${pid} is gone`);
    assert.ok(!running(sleeper.pid!), 'the process left on a is gone');
    assert.ok(!fs.existsSync(keyDir), 'the keys are gone');
  });
});

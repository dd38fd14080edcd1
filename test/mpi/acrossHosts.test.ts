/**
 * An Open MPI job across two hosts (the bed of test/fixtures/twoHosts.ts: two
 * network namespaces, sshd on the second) under `ckpt launch` on the first:
 * mpirun's launcher agent is ckpt-rsh, which starts a member coordinator on
 * the second host, so every rank on both hosts runs under the engine. One
 * checkpoint saves the whole job: one snapshot that names both hosts, each
 * host's images in its own directory, and the job goes on to the output of
 * an uninterrupted run. The tests skip, saying so, where Open MPI is missing
 * or two hosts cannot be made.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CkptProcess } from '../fixtures/cliRunner';
import { tempDir } from '../fixtures/harness';
import { skipUnlessTwoHosts, startTwoHosts, TwoHosts } from '../fixtures/twoHosts';
import { finish, runPlain } from '../processes/fixtures/computation';
import { buildRing, mpiLeftovers, mpirun, mpiStrays, skipUnlessMpi } from './mpiJob';

const ROUNDS = 120;
const SIZE = 8192;

interface Manifest {
  id: string;
  processes: { image: string; mpiRank?: number }[];
  hosts?: { name: string; address: string; dir: string; agent: string[]; processes: { image: string; mpiRank?: number }[] }[];
}

describe('an MPI job across two hosts under the engine', { skip: skipUnlessTwoHosts || skipUnlessMpi }, () => {
  let bed: TwoHosts;
  let root: string;
  let ring: string;
  let leftAtStart: string[];
  before(async () => {
    leftAtStart = mpiLeftovers();
    root = tempDir('ckpt-across-hosts-test-');
    ring = buildRing(root);
    bed = await startTwoHosts();
  });
  after(async () => {
    await bed?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
    for (const f of await mpiStrays(leftAtStart ?? [])) fs.rmSync(f, { recursive: true, force: true });
  });

  /** `ckpt ARGS` on host a; mpirun there reaches b through the bed's agent, which ckpt-rsh runs. */
  const ckptOnA = (args: string[]) => new CkptProcess(args, { OMPI_MCA_plm_rsh_agent: bed.rshAgent }, (argv, options) => bed.run('a', argv, options));
  const job = (gate: string, btl?: string) => mpirun(4, [ring, String(ROUNDS), String(SIZE), gate], btl, { host: `${bed.a.address}:2,${bed.b.address}:2` });
  const plainOutput = async (name: string): Promise<string> => {
    const gate = path.join(root, `${name}-open`);
    fs.writeFileSync(gate, '');
    const plain = await runPlain(mpirun(4, [ring, String(ROUNDS), String(SIZE), gate]));
    assert.equal(plain.code, 0, plain.stderr);
    return plain.stdout;
  };
  /** The job (`argv` for its gate) launched on a in directory `tag`, once it has run 20 rounds. */
  const launched = async (tag: string, argv: (gate: string) => string[] = job) => {
    const dir = path.join(root, tag);
    const gate = path.join(root, `${tag}-gate`);
    const run = ckptOnA(['launch', '--dir', dir, '--', ...argv(gate)]);
    run.endInput();
    await run.waitForStdout(/^round 20 /m, 120000);
    return { dir, gate, run };
  };
  /** `ckpt checkpoint --dir dir [extra] --json` on a, which must succeed: the snapshot's id. */
  const savedId = async (dir: string, ...extra: string[]): Promise<string> => {
    const r = await ckptOnA(['checkpoint', '--dir', dir, ...extra, '--json']).done;
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { snapshot: { id: string } }).snapshot.id;
  };

  test('one checkpoint saves the whole job: one snapshot naming both hosts; the job goes on to its end', { timeout: 240000 }, async () => {
    const plain = await plainOutput('live');
    const { dir, gate, run } = await launched('live');

    const status = ckptOnA(['status', '--dir', dir, '--json']);
    const live = await status.done;
    assert.equal(live.code, 0, live.stderr);
    const rows = (JSON.parse(live.stdout) as { processes: { host?: string; mpiRank?: number; argv: string[] }[] }).processes;
    const onB = rows.filter((p) => p.host === bed.b.address);
    assert.deepEqual(onB.map((p) => p.mpiRank).filter((r) => r !== undefined).sort(), [2, 3], `ranks 2 and 3 run on b, under the engine there: ${JSON.stringify(rows.map((p) => [p.host, p.mpiRank, p.argv[0]]))} / ${run.stderr}`);
    assert.ok(onB.some((p) => /orted/.test(p.argv[0] ?? '')), "Open MPI's daemon on b is in the tables");
    assert.deepEqual(rows.filter((p) => p.host === undefined).map((p) => p.mpiRank).filter((r) => r !== undefined).sort(), [0, 1]);

    const id = await savedId(dir);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'snapshots', id, 'manifest.json'), 'utf8')) as Manifest;
    assert.equal(manifest.hosts?.length, 1, 'the snapshot names the other host');
    const part = manifest.hosts![0];
    assert.equal(part.name, bed.b.address);
    assert.equal(part.address, bed.b.address);
    assert.deepEqual(part.agent, [bed.rshAgent]);
    // orted, its two ranks, and the shell that runs mpirun's command line for orted there
    assert.ok(part.processes.length >= 3, `b's part: ${part.processes.length} processes`);
    assert.deepEqual(part.processes.map((p) => p.mpiRank).filter((r) => r !== undefined).sort(), [2, 3]);
    for (const p of part.processes) assert.ok(fs.statSync(path.join(part.dir, 'snapshots', id, p.image)).size > 0, `${p.image} is in b's directory`);
    assert.deepEqual(manifest.processes.map((p) => p.mpiRank).filter((r) => r !== undefined).sort(), [0, 1]);

    fs.writeFileSync(gate, '');
    const r = await finish(run, dir);
    assert.equal(r.code, 0, `mpirun's status; stderr:\n${r.stderr}`);
    assert.equal(r.stdout, plain, 'the output of an uninterrupted run');

    // The snapshot as the commands show it: every host's processes (b's part is seen from here).
    const inspected = await ckptOnA(['inspect', '--dir', dir, '--json', id]).done;
    assert.equal(inspected.code, 0, inspected.stderr);
    const saved4 = (JSON.parse(inspected.stdout) as { processes: { host?: string; mpiRank?: number }[] }).processes;
    assert.deepEqual(saved4.filter((p) => p.host === bed.b.address).map((p) => p.mpiRank).filter((x) => x !== undefined).sort(), [2, 3]);
    const list = await ckptOnA(['list', '--dir', dir]).done;
    assert.match(list.stdout, new RegExp(`^${id} .* ${manifest.processes.length + part.processes.length} on 2 hosts\\s*$`, 'm'), list.stdout);
    const deleted = await ckptOnA(['delete', '--dir', dir, id]).done;
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(fs.existsSync(path.join(part.dir, 'snapshots', id)), false, "b's part is deleted with the snapshot");
  });

  for (const [name, btl] of [['default transports', undefined], ['TCP only', 'self,tcp']] as const) {
    test(`${name}: saved with --kill and restarted twice from the same snapshot, on both hosts: the output of an uninterrupted run`, { timeout: 300000 }, async () => {
      const tag = btl ? 'tcp' : 'kill';
      const plain = await plainOutput(tag);
      const before = mpiLeftovers();
      const { dir, gate, run } = await launched(tag, (g) => job(g, btl));
      const id = await savedId(dir, '--kill');
      const first = await finish(run, dir);
      assert.doesNotMatch(first.stdout, /^done/m, 'saved before the end');
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'snapshots', id, 'manifest.json'), 'utf8')) as Manifest;
      assert.equal(manifest.hosts?.length, 1);

      for (const round of [1, 2]) {
        const again = ckptOnA(['restart', '--dir', dir, id]);
        again.endInput();
        if (round === 1) {
          // the gate closed: the restored job reaches it, with rank 0's next round printed
          await again.waitForStdout(/^round \d+ /m, 120000);
          // b's part was restored by b's own coordinator, joined to this one
          const live = await ckptOnA(['status', '--dir', dir, '--json']).done;
          assert.equal(live.code, 0, live.stderr);
          const rows = (JSON.parse(live.stdout) as { processes: { host?: string; mpiRank?: number }[] }).processes;
          assert.deepEqual(rows.filter((p) => p.host === bed.b.address).map((p) => p.mpiRank).filter((x) => x !== undefined).sort(), [2, 3]);
          fs.writeFileSync(gate, '');
        }
        const r = await finish(again, dir);
        assert.equal(r.code, 0, `restart ${round}: mpirun's status; stderr:\n${r.stderr}`);
        assert.equal(first.stdout + r.stdout, plain, `restart ${round}: the output of an uninterrupted run`);
        assert.deepEqual(await mpiStrays(before), [], `restart ${round}: nothing left in /dev/shm or the temporary directory`);
      }
    });
  }

  test('a restored job across hosts is saved again, and that snapshot restarts to the end', { timeout: 300000 }, async () => {
    const plain = await plainOutput('again');
    const { dir, gate, run } = await launched('again');
    const one = await savedId(dir, '--kill');
    const first = await finish(run, dir);
    const restored = ckptOnA(['restart', '--dir', dir, one]);
    restored.endInput();
    // the gate is closed: the restored job waits there, and is saved again
    await restored.waitForStdout(new RegExp(`^round ${ROUNDS - ROUNDS / 4 - 1} `, 'm'), 120000);
    const two = await savedId(dir, '--kill');
    const second = await finish(restored, dir);
    fs.writeFileSync(gate, '');
    const last = ckptOnA(['restart', '--dir', dir, two]);
    last.endInput();
    const r = await finish(last, dir);
    assert.equal(r.code, 0, `mpirun's status; stderr:\n${r.stderr}`);
    assert.equal(first.stdout + second.stdout + r.stdout, plain, 'the output of an uninterrupted run');
  });

  test("an agent on mpirun's command line bypasses the engine on the other host: the checkpoint refuses, saying so", { timeout: 180000 }, async () => {
    const agentOnCommandLine = (gate: string) =>
      mpirun(4, [ring, String(ROUNDS), String(SIZE), gate], undefined, { host: `${bed.a.address}:2,${bed.b.address}:2`, mca: { plm_rsh_agent: bed.rshAgent } });
    const { dir, gate, run } = await launched('bypass', agentOnCommandLine);
    const refused = await ckptOnA(['checkpoint', '--dir', dir]).done;
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /mpirun \(pid \d+\) started a process on another host with ssh \(pid \d+\) itself, not through ckpt-rsh/);
    assert.equal(fs.existsSync(path.join(dir, 'snapshots', '1')), false, 'no snapshot');
    fs.writeFileSync(gate, '');
    const r = await finish(run, dir);
    assert.equal(r.code, 0, 'the job goes on to its end');
  });
});

/**
 * `mpi.acrossHosts` in `npm run bench`: the 4-rank ring with two ranks on each
 * of two hosts (test/fixtures/twoHosts.ts: network namespaces, sshd), under
 * `ckpt launch` on the first, saved with --kill and restarted, next to the same
 * job on one host driven the same way (the `ckpt` command line in host a).
 * Checkpoint: the coordinator's wall time of the whole synchronized checkpoint
 * (the manifest's totalMs; across hosts it waits for the other host's part)
 * and the longest pause of any process of any host. Restart: from `ckpt
 * restart` to the job's next line of output (every host's part restored and
 * the connections between hosts made again; across hosts this includes the
 * ssh that starts the other host's coordinator). Skipped, saying so, where
 * Open MPI is missing or two hosts cannot be made.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CkptProcess } from '../fixtures/cliRunner';
import { tempDir } from '../fixtures/harness';
import { skipUnlessTwoHosts, startTwoHosts, TwoHosts } from '../fixtures/twoHosts';
import { buildRing, mpiLeftovers, mpirun, mpiStrays, skipUnlessMpi } from '../mpi/mpiJob';
import { median, round1 } from './stats';

const REPS = Number(process.env.CKPT_BENCH_REPS ?? 3);

interface Sample {
  checkpointMs: number;
  pauseMs: number;
  restartMs: number;
}

interface Manifest {
  totalMs: number;
  processes: { pauseUs?: number }[];
  hosts?: { processes: { pauseUs?: number }[] }[];
}

async function waitFor(p: CkptProcess, re: RegExp, what: string): Promise<void> {
  const end = Date.now() + 120000;
  while (!re.test(p.stdout)) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error(`${what}: ckpt ended; stderr: ${p.stderr.slice(-400)}`);
    if (Date.now() > end) throw new Error(`${what}: timed out`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function repetition(bed: TwoHosts, dir: string, argv: string[]): Promise<Sample> {
  const ckpt = (args: string[]) => new CkptProcess(args, { OMPI_MCA_plm_rsh_agent: bed.rshAgent }, (a, o) => bed.run('a', a, o));
  const run = ckpt(['launch', '--dir', dir, '--', ...argv]);
  run.endInput();
  await waitFor(run, /^round 20 /m, 'the job');
  const saved = await ckpt(['checkpoint', '--dir', dir, '--kill', '--json']).done;
  if (saved.code !== 0) throw new Error(`checkpoint: ${saved.stderr}`);
  const id = (JSON.parse(saved.stdout) as { snapshot: { id: string } }).snapshot.id;
  await run.done;
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'snapshots', id, 'manifest.json'), 'utf8')) as Manifest;
  const pauses = [...m.processes, ...(m.hosts ?? []).flatMap((h) => h.processes)].map((p) => p.pauseUs ?? 0);
  const t0 = process.hrtime.bigint();
  const again = ckpt(['restart', '--dir', dir, id]);
  again.endInput();
  await waitFor(again, /^round \d+ /m, 'the restarted job');
  const restartMs = Number(process.hrtime.bigint() - t0) / 1e6;
  await ckpt(['kill', '--dir', dir]).done;
  await again.done;
  return { checkpointMs: m.totalMs, pauseMs: Math.max(...pauses) / 1000, restartMs };
}

function summary(samples: Sample[]): Record<string, unknown> {
  const m = (k: keyof Sample) => {
    const v = median(samples.map((s) => s[k]));
    return v === null ? null : round1(v);
  };
  return { samples: samples.length, checkpointMs: { coordinator: m('checkpointMs'), pause: m('pauseMs') }, restartMs: m('restartMs') };
}

export async function acrossHostsBench(log: (msg: string) => void): Promise<Record<string, unknown>> {
  const skip = skipUnlessMpi || skipUnlessTwoHosts;
  if (skip) return { skipped: skip };
  const work = tempDir('ckpt-bench-hosts-');
  const bed = await startTwoHosts();
  const two: Sample[] = [];
  const one: Sample[] = [];
  const errors: string[] = [];
  try {
    const ring = buildRing(work);
    const gate = path.join(work, 'gate'); // never opened: the job runs until it is killed
    const job = (host?: string) => mpirun(4, [ring, '1000000', '4096', gate], undefined, host ? { host } : {});
    for (let r = 0; r < REPS; r++) {
      const left = mpiLeftovers();
      try {
        log(`mpi across hosts: repetition ${r + 1}/${REPS}`);
        two.push(await repetition(bed, path.join(work, `two${r}`), job(`${bed.a.address}:2,${bed.b.address}:2`)));
        one.push(await repetition(bed, path.join(work, `one${r}`), job()));
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
        log(`mpi across hosts failed: ${errors[errors.length - 1].split('\n')[0]}`);
      } finally {
        for (const f of await mpiStrays(left)) fs.rmSync(f, { recursive: true, force: true });
      }
    }
  } finally {
    await bed.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  return {
    command: 'mpirun -np 4 --host A:2,B:2 ring (4 KiB messages), ckpt on host A; oneHost: the same job with its 4 ranks on A',
    twoHosts: summary(two),
    oneHost: summary(one),
    ...(errors.length ? { errors } : {}),
  };
}

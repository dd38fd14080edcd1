/**
 * `mpi` in `npm run bench` (CKPT_BENCH_ONLY=mpi alone): a 4-rank Open MPI job
 * (mpirun and four ranks of test/mpi/ring.c, default transports) checkpointed
 * with --kill and restarted through the engine driver, next to one process
 * (test/bench/touch.c) of the job's total resident size treated the same way.
 * Figures as for the pipeline: the engine's (longest pauseUs and writeUs of
 * the processes; longest restoreUs of the restored hellos) and the
 * coordinator's wall time (the whole synchronized checkpoint; the restart
 * until every process said hello). Skipped, saying so, without Open MPI.
 * `acrossHosts`: the job across two hosts (hostsBench.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acrossHostsBench } from './hostsBench';
import { saveAndRestart, until, withJobCoordinator } from './jobTimes';
import { median as medianOf, round1 } from './stats';
import { buildRing, mpiLeftovers, mpirun, mpiStrays, skipUnlessMpi } from '../mpi/mpiJob';

const RANKS = 4;
const REPS = Number(process.env.CKPT_BENCH_REPS ?? 3);

interface Sample {
  residentBytes: number;
  imageBytes: number;
  pauseMs: number | null;
  writeMs: number | null;
  coordinatorCheckpointMs: number;
  restoreMs: number | null;
  coordinatorRestartMs: number;
}

const ms = (us: (number | undefined)[]): number | null => {
  const v = us.filter((x): x is number => typeof x === 'number');
  return v.length ? Math.max(...v) / 1000 : null;
};

function median(xs: (number | null)[]): number | null {
  const m = medianOf(xs);
  return m === null ? null : round1(m);
}

function residentBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Launches argv under the engine until `ready` (its output) with n processes; saves with --kill, restarts. */
function repetition(argv: string[], n: number, ready: RegExp): Promise<Sample> {
  return withJobCoordinator('ckpt-bench-mpi-', async (c, restored) => {
    const running = await c.launch(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    running.child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    await until(() => c.processes().length === n && ready.test(out), `${n} processes ready`);
    const residentBytes_ = c.processes().reduce((sum, h) => sum + residentBytes(h.pid), 0);
    const { manifest: m, coordinatorCheckpointMs, coordinatorRestartMs } = await saveAndRestart(c, running, restored, n);
    return {
      residentBytes: residentBytes_,
      imageBytes: m.size,
      pauseMs: ms(m.processes.map((p) => p.pauseUs)),
      writeMs: ms(m.processes.map((p) => p.writeUs)),
      coordinatorCheckpointMs,
      restoreMs: ms(restored.map((h) => h.restoreUs)),
      coordinatorRestartMs,
    };
  });
}

function summary(samples: Sample[]): Record<string, unknown> {
  const m = (k: keyof Sample) => median(samples.map((s) => s[k]));
  return {
    samples: samples.length,
    residentMiB: median(samples.map((s) => s.residentBytes / 2 ** 20)),
    imageMiB: median(samples.map((s) => s.imageBytes / 2 ** 20)),
    checkpointMs: { pause: m('pauseMs'), write: m('writeMs'), coordinator: m('coordinatorCheckpointMs') },
    restartMs: { engine: m('restoreMs'), coordinator: m('coordinatorRestartMs') },
  };
}

/** The job, then one process as large, REPS times each; touchBin is test/bench/touch.c built. */
export async function mpiBench(touchBin: string, log: (msg: string) => void): Promise<Record<string, unknown>> {
  if (skipUnlessMpi) return { skipped: skipUnlessMpi };
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-bench-ring-'));
  const job: Sample[] = [];
  const single: Sample[] = [];
  const errors: string[] = [];
  try {
    const ring = buildRing(bin);
    const gate = path.join(bin, 'gate'); // never opened: the job runs until it is killed
    for (let r = 0; r < REPS; r++) {
      const left = mpiLeftovers();
      try {
        log(`mpi: ${RANKS}-rank job, repetition ${r + 1}/${REPS}`);
        job.push(await repetition(mpirun(RANKS, [ring, '1000000', '4096', gate]), RANKS + 1, /^round 20 /m));
        const mib = Math.max(1, Math.round(job[job.length - 1].residentBytes / 2 ** 20));
        log(`mpi: one process of ${mib} MiB, repetition ${r + 1}/${REPS}`);
        single.push(await repetition([touchBin, String(mib), gate], 1, /^ready \d+$/m));
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
        log(`mpi failed: ${errors[errors.length - 1].split('\n')[0]}`);
      } finally {
        // the killed jobs' scratch files
        for (const f of await mpiStrays(left)) fs.rmSync(f, { recursive: true, force: true });
      }
    }
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
  return {
    command: `mpirun -np ${RANKS} ring (ring plus Allreduce, 4 KiB messages)`,
    processes: RANKS + 1,
    note: 'checkpoint: longest pauseUs/writeUs of the processes, coordinator = the whole synchronized checkpoint with --kill; restart: longest restoreUs, coordinator = until every process said hello; single = one process (touch) of the job\'s total resident size',
    job: summary(job),
    single: summary(single),
    ...(errors.length ? { errors } : {}),
    acrossHosts: await acrossHostsBench(log),
  };
}

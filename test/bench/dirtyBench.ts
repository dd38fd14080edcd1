/**
 * Dirty-page tracking costs (test/bench/dirty.c, with the engine's tracking
 * module compiled in): for 1 GiB touched with 1% of its pages written, the
 * first arm, the program's own cost of writing (one write fault per page),
 * the scan that finds them (and protects them again), a scan with nothing
 * written, an arm with nothing new, and the arm of 1 GiB never touched.
 * Medians of fresh processes. `node out/test/bench/dirtyBench.js` prints
 * {"dirtyPages": {...}}; bench.ts can include dirtyBench() in its JSON.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from '../scenarios/harness';

const MIB = Number(process.env.CKPT_BENCH_DIRTY_MIB ?? 1024);
const REPS = Number(process.env.CKPT_BENCH_REPS ?? 5);

export interface DirtyBench {
  mode: 'uffd-wp' | 'hash';
  why?: string;
  mib?: number;
  reps?: number;
  writtenPages?: number;
  /** every scan reported exactly the pages written */
  exact?: boolean;
  armMs?: number;
  write1PctMs?: number;
  scanMs?: number;
  emptyScanMs?: number;
  rearmMs?: number;
  armUntouchedMs?: number;
  /** the machine's load while measuring (1-minute average), since the figures depend on it */
  loadAverage: number;
}

export function dirtyBench(log: (msg: string) => void = () => undefined): DirtyBench {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-dirty-bench-'));
  try {
    const bin = path.join(work, 'dirty');
    execFileSync('gcc', [
      '-O2', '-g', '-pthread', '-o', bin,
      path.join(REPO, 'test', 'bench', 'dirty.c'),
      path.join(REPO, 'native', 'lib', 'plugins', 'memory', 'dirty.c'),
      path.join(REPO, 'native', 'lib', 'util.c'),
    ], { stdio: 'pipe' });
    log(`dirty pages: ${MIB} MiB, ${REPS} repetitions`);
    const out = execFileSync(bin, [String(MIB), String(REPS)], { encoding: 'utf8', timeout: 600_000 });
    const { bench: _bench, ...figures } = JSON.parse(out.trim()) as Record<string, unknown>;
    return { ...(figures as Omit<DirtyBench, 'loadAverage'>), loadAverage: os.loadavg()[0] };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    process.stdout.write(JSON.stringify({ dirtyPages: dirtyBench((m) => process.stderr.write(`bench: ${m}\n`)) }) + '\n');
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

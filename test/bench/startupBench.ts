/**
 * Start-up of the `ckpt` command as shipped (the esbuild bundle out/dist/ckpt.js)
 * next to node's own start-up (`node -e 0`) and to the unbundled CLI
 * (out/adapter/cli/ckpt.js), measured as wall time of `ckpt --help`, which loads
 * every command and prints the usage. Runs are interleaved so that a busy machine
 * weighs on all three alike; medians and the spread are printed, nothing is asserted.
 * Alone: `node out/test/bench/startupBench.js`.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '../../..');
const RUNS = Math.max(5, Number(process.env.CKPT_BENCH_STARTUP_RUNS ?? 21));

const COMMANDS: Record<string, string[]> = {
  node: ['-e', '0'],
  ckptBundle: [path.join(REPO, 'out', 'dist', 'ckpt.js'), '--help'],
  ckptUnbundled: [path.join(REPO, 'out', 'adapter', 'cli', 'ckpt.js'), '--help'],
};

function wallMs(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} ended with ${r.status ?? r.signal}: ${r.stderr.toString()}`);
  return ms;
}

function quantile(sorted: number[], q: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10;
}

export interface StartupFigures {
  runs: number;
  note: string;
  /** Median, 10th and 90th percentile wall time in ms per command. */
  medianMs: Record<string, number>;
  p10Ms: Record<string, number>;
  p90Ms: Record<string, number>;
  /** The bundled ckpt's median over node's own. */
  ckptOverNodeMs: number;
}

export function startupBench(): StartupFigures {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(COMMANDS).map((k) => [k, []]));
  for (const args of Object.values(COMMANDS)) wallMs(args); // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    for (const [name, args] of Object.entries(COMMANDS)) samples[name].push(wallMs(args));
  }
  const pick = (q: number): Record<string, number> =>
    Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, quantile([...v].sort((a, b) => a - b), q)]));
  const medianMs = pick(0.5);
  return {
    runs: RUNS,
    note: 'wall time of `node -e 0` and of `ckpt --help` (bundled as shipped, and the tsc output), runs interleaved',
    medianMs,
    p10Ms: pick(0.1),
    p90Ms: pick(0.9),
    ckptOverNodeMs: Math.round((medianMs.ckptBundle - medianMs.node) * 10) / 10,
  };
}

if (require.main === module) process.stdout.write(JSON.stringify({ startup: startupBench() }, null, 2) + '\n');

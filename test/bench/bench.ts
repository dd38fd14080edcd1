/**
 * `npm run bench`: checkpoint and restart costs of the engine, printed as JSON.
 *
 * For a program that touches N MiB (N = 16, 256, 1024): the engine's own
 * figures (pauseUs/writeUs from the snapshot manifest, restoreUs from the
 * restored process's hello), the same operations as seen through the `ckpt`
 * command line (wall time of `ckpt checkpoint --kill`, and of `ckpt restart`
 * until the program prints a line), the image size next to the program's
 * resident memory, and the cost of starting processes under the engine.
 * Medians of a few repetitions; progress goes to stderr, the JSON to stdout.
 *
 * `pipeline`: a running five-process shell pipeline (sh and four programs
 * streaming through pipes), checkpointed with --kill and restarted through the
 * engine driver: the engine's figures (the longest pauseUs/writeUs of the five,
 * the longest restoreUs of the restored hellos) and the coordinator's wall time
 * (the whole synchronized checkpoint; the restart until all five said hello).
 *
 * `increments` (increments.ts): ten snapshots of a running 1 GiB program that
 * rewrites 1% of its pages between them. `travel` (travelBench.ts): Reverse
 * Continue, Step Back and Find Last Change 80 breakpoint hits after the one
 * snapshot, and Step Back in 1 GiB. `startup` (startupBench.ts): `ckpt`'s
 * start-up next to node's; `activation` (activationBench.ts): the extension's
 * activation in code-server. CKPT_BENCH_ONLY=memory, pipeline, dap, travel, startup (with
 * activation), increments, mpi, files or compression runs one scenario alone.
 *
 * `mpi` (mpiBench.ts): a 4-rank Open MPI job checkpointed and restarted, next
 * to one process of the same size.
 *
 * `files` (files.ts): a program appending to a 100 MiB log, snapshots and
 * restarts with and without the records of its files.
 *
 * `compression` (compression.ts): snapshots of 256 MiB of three kinds of
 * contents with the memory contents compressed (the default) and not.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { Coordinator } from '../../adapter/engine/coordinator';
import type { EngineHello } from '../../adapter/engine/engineConnection';
import { CKPT_JS, ckptOk, engineMissing, REPO, Run, snapshotIdFrom, withRun, WAIT_MS } from '../scenarios/harness';
import { compileScenario } from '../scenarios/compileScenario';
import { dapBench } from './dapBench';
import { travelBench } from './travelBench';
import { activationBench } from './activationBench';
import { startupBench } from './startupBench';
import { incrementsBench } from './increments';
import { mpiBench } from './mpiBench';
import { filesBench } from './files';
import { compressionBench } from './compression';
import { saveAndRestart, until, withJobCoordinator } from './jobTimes';
import { median } from './stats';

const SIZES_MIB = [16, 256, 1024];
const REPS = Number(process.env.CKPT_BENCH_REPS ?? 3);
const SPAWN_LOOP = 200;

/** Targets the figures are judged against (ms, or MiB for the image overhead). */
const TARGETS: Record<number, { checkpointMs?: number; restartMs?: number }> = {
  16: { checkpointMs: 30, restartMs: 30 },
  1024: { checkpointMs: 500, restartMs: 400 },
};
/** How long a snapshot taken with the program running on (no --kill) may stop it. */
const LIVE_PAUSE_TARGETS_MS: Record<number, number> = { 16: 5, 1024: 20 };
const IMAGE_OVER_RESIDENT_MIB = 2;
const PIPELINE = 'cat /dev/zero | gzip -1 | gzip -d | cat > /dev/null';
const PIPELINE_PROCESSES = 5;
const PIPELINE_TARGETS = { checkpointMs: 50, restartMs: 100 };
const PER_PROCESS_MS = 1;

interface Sample {
  residentBytes: number;
  anonBytes: number;
  imageBytes: number;
  pauseMs: number | null;
  /** A first snapshot taken with the program running on (its forked writer writes the pages). */
  livePauseMs: number | null;
  writeMs: number | null;
  coordinatorMs: number | null;
  cliCheckpointMs: number;
  restoreMs: number | null;
  cliRestartMs: number;
}

function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

function round(x: number | null, digits = 1): number | null {
  if (x === null) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Resident memory from /proc: total (VmRSS) and anonymous (RssAnon), bytes. */
function resident(pid: number): { total: number; anon: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`no ${key} in /proc/${pid}/status`);
    return Number(m[1]) * 1024;
  };
  return { total: kb('VmRSS'), anon: kb('RssAnon') };
}

function dirBytes(dir: string): number {
  let sum = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sum += dirBytes(p);
    else if (e.isFile()) sum += fs.statSync(p).size;
  }
  return sum;
}

const usToMs = (v: unknown): number | null => (typeof v === 'number' ? v / 1000 : null);

/**
 * Restarts the snapshot through the engine driver itself, to read restoreUs
 * from the restored process's hello (the command line does not print it).
 */
async function engineRestore(dir: string, id: string): Promise<number | null> {
  const c = await Coordinator.open(dir);
  try {
    let restoreUs: number | undefined;
    const hello = new Promise<void>((resolve) => {
      c.on('hello', (h: EngineHello) => {
        if (h.restored) {
          restoreUs = h.restoreUs;
          resolve();
        }
      });
    });
    const running = await c.startRestart(id, { stdio: ['ignore', 'pipe', 'pipe'] });
    running.child.stdout?.resume();
    running.child.stderr?.resume();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the restored program did not say hello in time')), WAIT_MS);
    });
    try {
      await Promise.race([hello, bound]);
      await Promise.race([running.exited, bound]);
    } finally {
      clearTimeout(timer);
      try {
        running.child.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
    return restoreUs === undefined ? null : restoreUs / 1000;
  } finally {
    await c.close();
  }
}

async function oneRepetition(bin: string, mib: number): Promise<Sample> {
  return withRun(async (run: Run) => {
    const work = run.tempDir('ckpt-bench-');
    const dir = path.join(work, 'ckpt');
    const go = path.join(work, 'go');
    const launch = run.launch(dir, bin, [String(mib), go]);
    const at = await launch.waitForLine(/^ready \d+$/, 0, WAIT_MS * 2);
    const pid = Number(launch.lines[at].split(' ')[1]);
    const res = resident(pid);

    // a snapshot with the program running on, deleted before the --kill one
    // (which is then whole again, not an increment of it)
    const live = snapshotIdFrom((await ckptOk(['checkpoint', '--dir', dir], WAIT_MS * 2)).stdout);
    const liveManifest = JSON.parse(fs.readFileSync(path.join(dir, 'snapshots', live, 'manifest.json'), 'utf8')) as {
      processes?: { pauseUs?: number }[];
    };
    await ckptOk(['delete', '--dir', dir, live]);

    const cp = await ckptOk(['checkpoint', '--dir', dir, '--kill'], WAIT_MS * 2);
    const id = snapshotIdFrom(cp.stdout);
    await launch.waitExit();
    const snapDir = path.join(dir, 'snapshots', id);
    const manifest = JSON.parse(fs.readFileSync(path.join(snapDir, 'manifest.json'), 'utf8')) as {
      size?: number;
      totalMs?: number;
      processes?: { pauseUs?: number; writeUs?: number; bytes?: number }[];
    };
    const proc = manifest.processes?.[0] ?? {};

    fs.writeFileSync(go, '');
    const t0 = process.hrtime.bigint();
    const restart = run.restart(dir, id);
    await restart.waitForLine(/^alive/, 0, WAIT_MS * 2);
    const cliRestartMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const exit = await restart.waitExit();
    if (exit.code !== 0) throw new Error(`ckpt restart ended with ${exit.code ?? exit.signal}\n${restart.describe()}`);

    const restoreMs = await engineRestore(dir, id);
    return {
      residentBytes: res.total,
      anonBytes: res.anon,
      imageBytes: dirBytes(snapDir),
      pauseMs: usToMs(proc.pauseUs),
      livePauseMs: usToMs(liveManifest.processes?.[0]?.pauseUs),
      writeMs: usToMs(proc.writeUs),
      coordinatorMs: typeof manifest.totalMs === 'number' ? manifest.totalMs : null,
      cliCheckpointMs: cp.ms,
      restoreMs,
      cliRestartMs,
    };
  });
}

function judge(value: number | null, target: number | undefined): boolean | null {
  if (target === undefined || value === null) return null;
  return value <= target;
}

async function memoryBench(bin: string, mib: number): Promise<Record<string, unknown>> {
  const samples: Sample[] = [];
  const errors: string[] = [];
  for (let r = 0; r < REPS; r++) {
    log(`${mib} MiB, repetition ${r + 1}/${REPS}`);
    // Start each repetition with no dirty pages of earlier ones (or of anyone
    // else) pending, so that writeback throttling does not land in one sample.
    execFileSync('sync');
    try {
      samples.push(await oneRepetition(bin, mib));
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
      log(`${mib} MiB failed: ${errors[errors.length - 1].split('\n')[0]}`);
    }
  }
  const t = TARGETS[mib] ?? {};
  const m = (k: keyof Sample) => median(samples.map((s) => s[k]));
  const pause = m('pauseMs');
  const restore = m('restoreMs');
  const cliCp = m('cliCheckpointMs');
  const cliRs = m('cliRestartMs');
  const image = m('imageBytes');
  const res = m('residentBytes');
  const overMiB = image !== null && res !== null ? (image - res) / 2 ** 20 : null;
  return {
    mib,
    samples: samples.length,
    checkpoint: {
      engineMs: { pause: round(pause), write: round(m('writeMs')) },
      coordinatorMs: round(m('coordinatorMs')),
      cliMs: round(cliCp),
      targetMs: t.checkpointMs ?? null,
      meetsTarget: { engine: judge(pause, t.checkpointMs), cli: judge(cliCp, t.checkpointMs) },
      live: {
        note: 'a first snapshot taken with the program running on (no --kill): how long it stood still',
        pauseMs: round(m('livePauseMs')),
        targetMs: LIVE_PAUSE_TARGETS_MS[mib] ?? null,
        meetsTarget: judge(m('livePauseMs'), LIVE_PAUSE_TARGETS_MS[mib]),
      },
    },
    restart: {
      engineMs: round(restore),
      cliMs: round(cliRs),
      targetMs: t.restartMs ?? null,
      meetsTarget: { engine: judge(restore, t.restartMs), cli: judge(cliRs, t.restartMs) },
    },
    image: {
      bytes: image,
      residentBytes: res,
      residentAnonBytes: m('anonBytes'),
      overResidentMiB: round(overMiB, 2),
      targetOverResidentMiB: IMAGE_OVER_RESIDENT_MIB,
      meetsTarget: judge(overMiB, IMAGE_OVER_RESIDENT_MIB),
    },
    raw: {
      pauseMs: samples.map((x) => round(x.pauseMs)),
      livePauseMs: samples.map((x) => round(x.livePauseMs)),
      cliCheckpointMs: samples.map((x) => round(x.cliCheckpointMs)),
      restoreMs: samples.map((x) => round(x.restoreMs)),
      cliRestartMs: samples.map((x) => round(x.cliRestartMs)),
    },
    ...(errors.length ? { errors } : {}),
  };
}

/** Wall time of one command to its exit, ms; fails on a non-zero status. */
function timed(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${stderr}`));
    });
  });
}

/** Per-process cost of the engine: a shell starting /bin/true 200 times, under the engine and plainly. */
async function spawnBench(): Promise<Record<string, unknown>> {
  const script = (n: number) => `i=0; while [ $i -lt ${n} ]; do /bin/true; i=$((i+1)); done`;
  const plain: Record<number, number[]> = { 0: [], [SPAWN_LOOP]: [] };
  const engine: Record<number, number[]> = { 0: [], [SPAWN_LOOP]: [] };
  const errors: string[] = [];
  for (let r = 0; r < REPS; r++) {
    log(`process start, repetition ${r + 1}/${REPS}`);
    for (const n of [0, SPAWN_LOOP]) {
      plain[n].push(await timed('/bin/sh', ['-c', script(n)]));
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-bench-spawn-'));
      try {
        engine[n].push(await timed(process.execPath, [CKPT_JS, 'launch', '--dir', path.join(dir, 'ckpt'), '--', '/bin/sh', '-c', script(n)]));
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const p0 = median(plain[0]);
  const pN = median(plain[SPAWN_LOOP]);
  const e0 = median(engine[0]);
  const eN = median(engine[SPAWN_LOOP]);
  const plainPer = p0 !== null && pN !== null ? (pN - p0) / SPAWN_LOOP : null;
  const enginePer = e0 !== null && eN !== null ? (eN - e0) / SPAWN_LOOP : null;
  const extra = plainPer !== null && enginePer !== null ? enginePer - plainPer : null;
  return {
    processes: SPAWN_LOOP,
    plainMs: { loop: round(pN), empty: round(p0), perProcess: round(plainPer, 3) },
    engineMs: { loop: round(eN), empty: round(e0), perProcess: round(enginePer, 3) },
    extraPerProcessMs: round(extra, 3),
    targetExtraPerProcessMs: PER_PROCESS_MS,
    meetsTarget: judge(extra, PER_PROCESS_MS),
    ...(errors.length ? { errors } : {}),
  };
}

interface PipelineSample {
  pauseMs: number | null;
  writeMs: number | null;
  coordinatorCheckpointMs: number;
  restoreMs: number | null;
  coordinatorRestartMs: number;
  imageBytes: number;
}

function pipelineRepetition(): Promise<PipelineSample> {
  return withJobCoordinator('ckpt-bench-pipe-', async (c, restored) => {
    const running = await c.launch('/bin/sh', ['-c', PIPELINE], { stdio: 'ignore' });
    await until(() => c.processes().length === PIPELINE_PROCESSES, `${PIPELINE_PROCESSES} processes`);
    // Let the data flow until the pipes are full: the state a checkpoint usually meets.
    await new Promise((r) => setTimeout(r, 200));
    const { manifest: m, coordinatorCheckpointMs, coordinatorRestartMs } = await saveAndRestart(
      c,
      running,
      restored,
      PIPELINE_PROCESSES,
    );
    const maxOf = (xs: (number | undefined)[]) => {
      const v = xs.filter((x): x is number => typeof x === 'number');
      return v.length ? Math.max(...v) : null;
    };
    return {
      pauseMs: usToMs(maxOf(m.processes.map((p) => p.pauseUs))),
      writeMs: usToMs(maxOf(m.processes.map((p) => p.writeUs))),
      coordinatorCheckpointMs,
      restoreMs: usToMs(maxOf(restored.map((h) => h.restoreUs))),
      coordinatorRestartMs,
      imageBytes: m.size,
    };
  });
}

async function pipelineBench(): Promise<Record<string, unknown>> {
  const samples: PipelineSample[] = [];
  const errors: string[] = [];
  for (let r = 0; r < REPS; r++) {
    log(`pipeline, repetition ${r + 1}/${REPS}`);
    try {
      samples.push(await pipelineRepetition());
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
      log(`pipeline failed: ${errors[errors.length - 1].split('\n')[0]}`);
    }
  }
  const m = (k: keyof PipelineSample) => median(samples.map((s) => s[k]));
  const t = PIPELINE_TARGETS;
  return {
    command: `sh -c '${PIPELINE}'`,
    processes: PIPELINE_PROCESSES,
    samples: samples.length,
    note:
      'checkpoint engine = longest pauseUs of the five, coordinator = the whole synchronized checkpoint; ' +
      'restart engine = longest restoreUs, coordinator = until all five restored processes said hello',
    checkpoint: {
      engineMs: { pause: round(m('pauseMs')), write: round(m('writeMs')) },
      coordinatorMs: round(m('coordinatorCheckpointMs')),
      targetMs: t.checkpointMs,
      meetsTarget: { engine: judge(m('pauseMs'), t.checkpointMs), coordinator: judge(m('coordinatorCheckpointMs'), t.checkpointMs) },
    },
    restart: {
      engineMs: round(m('restoreMs')),
      coordinatorMs: round(m('coordinatorRestartMs')),
      targetMs: t.restartMs,
      meetsTarget: { engine: judge(m('restoreMs'), t.restartMs), coordinator: judge(m('coordinatorRestartMs'), t.restartMs) },
    },
    imageBytes: m('imageBytes'),
    raw: {
      pauseMs: samples.map((x) => round(x.pauseMs)),
      coordinatorCheckpointMs: samples.map((x) => round(x.coordinatorCheckpointMs)),
      restoreMs: samples.map((x) => round(x.restoreMs)),
      coordinatorRestartMs: samples.map((x) => round(x.coordinatorRestartMs)),
    },
    ...(errors.length ? { errors } : {}),
  };
}

async function main(): Promise<void> {
  const missing = engineMissing();
  if (missing) {
    process.stderr.write(`bench: the engine is not built: ${missing}\n`);
    process.exitCode = 1;
    return;
  }
  const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-bench-bin-'));
  try {
    const bin = await compileScenario('touch', binDir, path.join(REPO, 'test', 'bench', 'touch.c'));
    const memory = [];
    // CKPT_BENCH_ONLY=pipeline: just the pipeline figures (a quick look while working on them).
    const only = process.env.CKPT_BENCH_ONLY;
    if (only === 'pipeline') {
      process.stdout.write(JSON.stringify({ repetitions: REPS, pipeline: await pipelineBench() }, null, 2) + '\n');
      return;
    }
    if (only === 'travel') {
      process.stdout.write(JSON.stringify({ travel: await travelBench(log) }, null, 2) + '\n');
      return;
    }
    if (only === 'startup') {
      process.stdout.write(JSON.stringify({ startup: startupBench(), activation: await activationBench(log) }, null, 2) + '\n');
      return;
    }
    if (only === 'mpi') {
      process.stdout.write(JSON.stringify({ mpi: await mpiBench(bin, log) }, null, 2) + '\n');
      return;
    }
    if (only === 'dap') {
      process.stdout.write(JSON.stringify({ dap: await dapBench(log) }, null, 2) + '\n');
      return;
    }
    if (only === 'memory') {
      for (const mib of SIZES_MIB) memory.push(await memoryBench(bin, mib));
      process.stdout.write(JSON.stringify({ repetitions: REPS, memory }, null, 2) + '\n');
      return;
    }
    const loggerBin = await compileScenario('logger', binDir, path.join(REPO, 'test', 'bench', 'logger.c'));
    if (only === 'files') {
      process.stdout.write(JSON.stringify({ files: await filesBench(loggerBin, log) }, null, 2) + '\n');
      return;
    }
    const contentsBin = await compileScenario('contents', binDir, path.join(REPO, 'test', 'bench', 'contents.c'));
    if (only === 'compression') {
      process.stdout.write(JSON.stringify({ compression: await compressionBench(contentsBin, log, engineRestore) }, null, 2) + '\n');
      return;
    }
    const rewriteBin = await compileScenario('rewrite', binDir, path.join(REPO, 'test', 'bench', 'rewrite.c'));
    if (only === 'increments') {
      const increments = await incrementsBench(rewriteBin, log, engineRestore);
      const incrementsHashMode = await incrementsBench(rewriteBin, log, engineRestore, 'hash');
      process.stdout.write(JSON.stringify({ increments, incrementsHashMode }, null, 2) + '\n');
      return;
    }
    for (const mib of SIZES_MIB) memory.push(await memoryBench(bin, mib));
    const processStart = await spawnBench();
    const pipeline = await pipelineBench();
    const dap = await dapBench(log);
    const travel = await travelBench(log);
    const increments = await incrementsBench(rewriteBin, log, engineRestore);
    const incrementsHashMode = await incrementsBench(rewriteBin, log, engineRestore, 'hash');
    const mpi = await mpiBench(bin, log);
    const files = await filesBench(loggerBin, log);
    const compression = await compressionBench(contentsBin, log, engineRestore);
    const result = {
      machine: { cpus: os.cpus().length, kernel: os.release(), memoryMiB: Math.round(os.totalmem() / 2 ** 20) },
      repetitions: REPS,
      note:
        'checkpoint engine = time the program was stopped (pauseUs), restart engine = restoreUs; ' +
        'cli = wall time of the ckpt command (restart: until the program prints after the restart)',
      memory,
      processStart,
      pipeline,
      dap,
      travel,
      startup: startupBench(),
      activation: await activationBench(log),
      increments,
      incrementsHashMode,
      mpi,
      files,
      compression,
    };
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } finally {
    fs.rmSync(binDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

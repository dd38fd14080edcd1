/**
 * `npm run bench`, scenario "compression": what storing the pages in
 * zstd-compressed blocks saves and costs, and what the store of blocks saves
 * after a restart. A 256 MiB program of each kind of contents (contents.c: one
 * byte per page, text, random bytes) is checkpointed while it runs and
 * restarted, once with blocks as they are (CKPT_COMPRESS=0) and once as by
 * default, side by side in one run: the bytes the snapshot took on disk, how
 * long the program stood still, how long the forked writer took (it hashes and
 * compresses while the program runs on), the wall time of `ckpt checkpoint`,
 * and the restart (the engine's restoreUs, and the command's time until the
 * program has checked all of its memory). Then the restarted program is
 * snapshotted again before it changes anything: that snapshot is whole, but
 * its blocks are the first one's, linked rather than written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ckptOk, Run, snapshotIdFrom, WAIT_MS, withRun } from '../scenarios/harness';

const MIB = 256;
const KINDS = ['pattern', 'text', 'random'] as const;

interface Manifest {
  processes: { pauseUs?: number; writeUs?: number }[];
  size: number;
}

const round = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);

async function once(
  run: Run,
  bin: string,
  kind: string,
  compress: boolean,
  engineRestore: (dir: string, id: string) => Promise<number | null>,
): Promise<Record<string, unknown>> {
  const work = run.tempDir('ckpt-bench-z-');
  const dir = path.join(work, 'ckpt');
  const go = path.join(work, 'go');
  const env = { ...process.env, CKPT_COMPRESS: compress ? '1' : '0' };
  const launch = run.launch(dir, bin, [String(MIB), kind, go], env);
  await launch.waitForLine(/^ready \d+$/, 0, WAIT_MS * 2);
  const cp = await ckptOk(['checkpoint', '--dir', dir], WAIT_MS * 2);
  const id = snapshotIdFrom(cp.stdout);
  await ckptOk(['kill', '--dir', dir]);
  await launch.waitExit();
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'snapshots', id, 'manifest.json'), 'utf8')) as Manifest;
  const p = m.processes[0] ?? {};
  // restarted, and snapshotted again at once: its blocks are already stored
  const again = run.restart(dir, id);
  await new Promise((r) => setTimeout(r, 500));
  const cp2 = await ckptOk(['checkpoint', '--dir', dir, '--kill'], WAIT_MS * 2);
  const m2 = JSON.parse(fs.readFileSync(path.join(dir, 'snapshots', snapshotIdFrom(cp2.stdout), 'manifest.json'), 'utf8')) as Manifest;
  await again.waitExit();
  fs.writeFileSync(go, '');
  const t0 = process.hrtime.bigint();
  const restart = run.restart(dir, id);
  const at = await restart.waitForLine(/^alive/, 0, WAIT_MS * 2);
  const cliRestartMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const intact = restart.lines[at] === 'alive ok';
  await restart.waitExit();
  const engineRestoreMs = await engineRestore(dir, id);
  return {
    snapshotBytes: m.size,
    pauseMs: p.pauseUs !== undefined ? round(p.pauseUs / 1000) : null,
    writerMs: p.writeUs !== undefined ? round(p.writeUs / 1000) : null,
    cliCheckpointMs: round(cp.ms),
    restart: { engineMs: round(engineRestoreMs), cliMs: round(cliRestartMs), memoryIntact: intact },
    snapshotAfterRestart: {
      addedBytes: m2.size,
      writerMs: m2.processes[0]?.writeUs !== undefined ? round(m2.processes[0].writeUs / 1000) : null,
      cliCheckpointMs: round(cp2.ms),
    },
  };
}

export async function compressionBench(
  bin: string,
  log: (msg: string) => void,
  engineRestore: (dir: string, id: string) => Promise<number | null>,
): Promise<Record<string, unknown>> {
  return withRun(async (run: Run) => {
    const out: Record<string, unknown> = {
      mib: MIB,
      level: 1,
      note: 'off = CKPT_COMPRESS=0 (blocks as they are); zstd = the default; snapshotAfterRestart: a --kill snapshot of the restarted program before it changes anything',
    };
    for (const kind of KINDS) {
      log(`compression: ${kind}`);
      const off = await once(run, bin, kind, false, engineRestore);
      const zstd = await once(run, bin, kind, true, engineRestore);
      const saved = 1 - (zstd.snapshotBytes as number) / (off.snapshotBytes as number);
      out[kind] = { off, zstd, savedFraction: Math.round(saved * 1000) / 1000 };
    }
    return out;
  });
}

/**
 * What the pipeline and MPI scenarios of `npm run bench` share: a coordinator
 * in a folder of its own that collects the restored processes' hellos, and one
 * checkpoint with --kill followed by a restart, timed from the coordinator's
 * side (the engine's own figures are in the manifest and the hellos).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Coordinator, RunningProgram } from '../../adapter/engine/coordinator';
import type { EngineHello } from '../../adapter/engine/engineConnection';
import type { Manifest } from '../../adapter/engine/manifest';
import { WAIT_MS } from '../scenarios/harness';

export async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + WAIT_MS * 2;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Runs fn with a fresh coordinator (removed afterwards) and the hellos of the processes it restores. */
export async function withJobCoordinator<T>(
  prefix: string,
  fn: (c: Coordinator, restored: EngineHello[]) => Promise<T>,
): Promise<T> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const c = await Coordinator.open(path.join(work, 'ckpt'));
  const restored: EngineHello[] = [];
  c.on('hello', (h: EngineHello) => {
    if (h.restored) restored.push(h);
  });
  try {
    return await fn(c, restored);
  } finally {
    await c.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export interface SaveAndRestart {
  manifest: Manifest;
  coordinatorCheckpointMs: number;
  coordinatorRestartMs: number;
}

/** Checkpoints the running job with --kill, restarts it until its n processes said hello, and ends it. */
export async function saveAndRestart(
  c: Coordinator,
  running: RunningProgram,
  restored: EngineHello[],
  n: number,
): Promise<SaveAndRestart> {
  const t0 = process.hrtime.bigint();
  const info = await c.checkpoint({ kill: true });
  const coordinatorCheckpointMs = Number(process.hrtime.bigint() - t0) / 1e6;
  await running.exited;
  const manifest = c.store.manifest(info.id);
  const t1 = process.hrtime.bigint();
  const again = await c.startRestart(info.id, { stdio: 'ignore' });
  try {
    await until(() => restored.length === n, `${n} restored processes`);
    return { manifest, coordinatorCheckpointMs, coordinatorRestartMs: Number(process.hrtime.bigint() - t1) / 1e6 };
  } finally {
    try {
      c.kill();
    } catch {
      /* already gone */
    }
    await again.exited.catch(() => undefined);
  }
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CkptError } from './ckptError';
import { ComputationDir } from './computationDir';
import { isImageWriter } from './imageWriter';
import { processEnded } from './procTables';
import { removeFile } from './unixSocket';

/**
 * A coordinator killed outright (SIGKILL, a crash) cannot end its program: the
 * program runs on, and its sockets and any half-written snapshot stay in the
 * directory. The next command in that directory finds what is left: the
 * processes whose engine names this directory's socket in their environment
 * (launched, forked, exec'd and restored ones alike), so that `ckpt kill`
 * reaches them and every other command says why it cannot.
 */
export function orphanedPids(cdir: ComputationDir): number[] {
  return engineProcesses(cdir).filter((pid) => !isImageWriter(pid));
}

/** Image writers still at work for a dead coordinator: their snapshot can never be completed. */
export function orphanedWriters(cdir: ComputationDir): number[] {
  return engineProcesses(cdir).filter(isImageWriter);
}

function engineProcesses(cdir: ComputationDir): number[] {
  const needle = Buffer.from(`\0CKPT_ENGINE_SOCKET=${cdir.engineSocket}\0`);
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const env = Buffer.concat([Buffer.from('\0'), fs.readFileSync(`/proc/${pid}/environ`)]);
      if (env.includes(needle) && !processEnded(pid)) pids.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** A partial snapshot being removed: out of the way of new ones, gone once nothing writes there. */
const REMOVED = '.removed-';

/**
 * Removes what a dead coordinator left: its socket files and partial
 * snapshots. Only when no coordinator answers there. An image writer the dead
 * coordinator started may still be adding blocks to its partial snapshot: the
 * folder is renamed first, and whatever cannot be removed yet is left under
 * that name for the next time.
 */
export function removeLeftovers(cdir: ComputationDir): void {
  removeFile(cdir.ctlSocket);
  removeFile(cdir.engineSocket);
  let names: string[];
  try {
    names = fs.readdirSync(cdir.snapshots);
  } catch {
    return;
  }
  for (const name of names) {
    let doomed = path.join(cdir.snapshots, name);
    try {
      if (name.startsWith('.partial-')) {
        const renamed = path.join(cdir.snapshots, `${REMOVED}${name.slice(1)}-${process.pid}`);
        fs.renameSync(doomed, renamed);
        doomed = renamed;
      } else if (!name.startsWith(REMOVED)) {
        continue;
      }
      fs.rmSync(doomed, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch {
      // a writer still adds to it, or it went meanwhile: the next clean-up takes it
    }
  }
}

/** Removes a computation directory this coordinator created, if nothing was ever saved in it. */
export function removeIfUnused(cdir: ComputationDir): void {
  try {
    if (fs.readdirSync(cdir.dir).some((n) => n !== 'snapshots') || fs.readdirSync(cdir.snapshots).length > 0) return;
    fs.rmdirSync(cdir.snapshots);
    fs.rmdirSync(cdir.dir);
  } catch {
    // something was saved there (or another process uses it): it stays
  }
}

/** Why an order cannot reach a program that runs on without its coordinator. */
export function orphanedError(cdir: ComputationDir, pids: number[]): CkptError {
  return new CkptError(
    `the coordinator of ${cdir.dir} has died, and its program runs on without it (pid ${pids.join(', ')}): ` +
      `it cannot be saved any more; end it with \`ckpt kill --dir ${cdir.dir}\``,
  );
}

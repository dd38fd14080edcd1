import * as fs from 'node:fs';
import { ComputationDir, isSnapshotId } from './computationDir';
import { CkptError } from './ckptError';
import { mkdirExclusive, writeFilePrivate } from './privateFs';

/**
 * Reserves a fresh snapshot id by creating its `.partial-<id>` directory.
 * The counter file makes ids monotonic even after deletes; the exclusive mkdir
 * (and the check for a finished snapshot of that id) keeps two writers, or a
 * damaged counter, from ever handing out one id twice.
 */
export function reserveSnapshotId(cdir: ComputationDir): { id: string; partialDir: string } {
  let next = readCounter(cdir);
  for (const name of safeReaddir(cdir.snapshots)) {
    const m = /^(?:\.partial-)?([0-9]+)$/.exec(name);
    if (m) next = Math.max(next, Number(m[1]) + 1);
  }
  for (;; next++) {
    const id = String(next);
    if (!isSnapshotId(id)) continue;
    if (fs.existsSync(cdir.snapshot(id))) continue;
    const partialDir = cdir.partial(id);
    if (!mkdirExclusive(partialDir)) continue;
    writeFilePrivate(cdir.idCounter, `${next + 1}\n`);
    return { id, partialDir };
  }
}

/** Reserves the id another host's coordinator gave (a member's part of its snapshot). */
export function reserveGivenSnapshotId(cdir: ComputationDir, id: string): { id: string; partialDir: string } {
  if (!isSnapshotId(id)) throw new CkptError(`${JSON.stringify(id)} is not a snapshot id`);
  const partialDir = cdir.partial(id);
  if (fs.existsSync(cdir.snapshot(id)) || !mkdirExclusive(partialDir)) throw new CkptError(`snapshot ${id} already exists in ${cdir.dir}`);
  return { id, partialDir };
}

function readCounter(cdir: ComputationDir): number {
  try {
    const n = Number.parseInt(fs.readFileSync(cdir.idCounter, 'utf8').trim(), 10);
    return Number.isSafeInteger(n) && n >= 1 ? n : 1;
  } catch {
    return 1;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Gives back the id of a checkpoint that failed (its partial directory already
 * removed), so that the next one gets it: unless a later id was handed out meanwhile.
 */
export function releaseSnapshotId(cdir: ComputationDir, id: string): void {
  if (readCounter(cdir) === Number(id) + 1) writeFilePrivate(cdir.idCounter, `${id}\n`);
}

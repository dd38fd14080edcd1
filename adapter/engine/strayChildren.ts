import * as fs from 'node:fs';
import { isImageWriter } from './imageWriter';
import { processEnded } from './procTables';

/**
 * Live children of the processes `pids` that are not among them. While the
 * computation is stopped for a checkpoint, such a child is a process forked
 * an instant earlier whose engine has not said hello yet, or one that does
 * not run under the engine at all: a snapshot without it would be wrong
 * (its parent waits for it after a restart), so the checkpoint waits or fails.
 */
export function strayChildren(pids: number[]): { parent: number; child: number }[] {
  const known = new Set(pids);
  const out: { parent: number; child: number }[] = [];
  for (const pid of pids) {
    for (const child of childrenOf(pid)) {
      if (known.has(child)) continue;
      if (processEnded(child)) continue; // gone, or reaped with its parent's image
      if (isImageWriter(child)) continue;
      out.push({ parent: pid, child });
    }
  }
  return out;
}

/** Whether `pid` has a child that is still running. */
export function hasLiveChildren(pid: number): boolean {
  return childrenOf(pid).some((c) => !processEnded(c) && !isImageWriter(c));
}


function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const t of tasks) {
    try {
      for (const s of fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(/\s+/)) if (s) out.push(Number(s));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

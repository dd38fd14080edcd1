/**
 * The branches of a session's run: going back in time (a stop after a restore)
 * leaves the run that was, and the stops after it make a new one that starts from
 * the snapshot restored. Each branch gets a row of the Snapshot Timeline: the first
 * run the top one, each later branch a row below, from its snapshot onwards, so that
 * branches drawn side by side never cross. Pure, tested without VS Code.
 */
import type { StopRecord } from './timelineModel';

/** Rows the picture has room for: the first run and three for branches, reused when more come. */
export const MAX_ROWS = 4;

export interface Branch {
  /** When the branch began (ms): the session's start, or the stop after the jump back. */
  start: number;
  /** When it ended (the next jump back), or undefined for the branch the program is on. */
  end?: number;
  row: number;
  /** The snapshot it leaves from, when it follows a jump back (absent for the first run). */
  from?: { snapshot: string; time: number; row: number };
}

/**
 * The branches, in the order they began. `snapshotTime` gives a snapshot's time (ms)
 * or undefined when it is unknown (deleted): a jump to it still starts a branch,
 * leaving from where the jump was made.
 */
export function branchesOf(stops: StopRecord[], runStart: number, snapshotTime: (id: string) => number | undefined): Branch[] {
  const branches: Branch[] = [{ start: runStart, row: 0 }];
  for (const stop of stops) {
    if (!stop.restoredTo) continue;
    const parent = branches[branches.length - 1];
    parent.end = stop.time;
    const time = Math.min(stop.time, snapshotTime(stop.restoredTo) ?? stop.time);
    const fromRow = rowAt(branches, time);
    branches.push({ start: stop.time, row: freeRow(branches, time, fromRow), from: { snapshot: stop.restoredTo, time, row: fromRow } });
  }
  return branches;
}

/** The row of the branch the program was on at `time` (the first run's for times before the session). */
export function rowAt(branches: Branch[], time: number): number {
  let row = branches[0].row;
  for (const b of branches) if (b.start <= time) row = b.row;
  return row;
}

/**
 * A row below the first for a branch drawn from `from` (ms) onwards: the first row
 * that no earlier branch uses after that time, other than the one it leaves; when
 * every row is taken, the one whose last use ended earliest.
 */
function freeRow(branches: Branch[], from: number, parentRow: number): number {
  const lastUse = new Map<number, number>();
  for (const b of branches) lastUse.set(b.row, Math.max(lastUse.get(b.row) ?? -Infinity, b.end ?? Infinity));
  let best = -1;
  for (let row = 1; row < MAX_ROWS; row++) {
    if (row === parentRow) continue;
    const used = lastUse.get(row) ?? -Infinity;
    if (used <= from) return row;
    if (best < 0 || used < (lastUse.get(best) ?? -Infinity)) best = row;
  }
  return best;
}

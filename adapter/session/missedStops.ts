/**
 * A guard against a lost wake-up in gdb's Linux target (gdb 13, all-stop, the
 * target's own non-stop mode off: gdbSettings.ts) with several processes. An
 * Open MPI job shows it at its end: its ranks unload their components in
 * MPI_Finalize at the same moment, each stopping at gdb's shared-library
 * breakpoint again and again, and a rank's trap that comes in while gdb
 * reports the other rank's exit is kept pending. gdb resumes everything else
 * and waits for events without looking at it again: the rank stays in tracing
 * stop and the job never ends (seen under load, about one run in ten). gdb
 * looks at its processes again whenever it gets SIGCHLD, which then finds the
 * pending trap and handles it. So, while gdb has the program running, a
 * thread of it seen in tracing stop for STUCK_MS gets gdb a SIGCHLD; when
 * nothing is pending the signal is harmless (gdb finds no event and waits on;
 * a thread that gdb keeps stopped while it steps another is such a case).
 */
import * as fs from 'fs';
import type { GdbProcess } from '../gdb/gdbProcess';
import type { MiAsyncRecord } from '../gdb/miParser';

/** Longer than any stop gdb makes on its own while the program runs (a step over a breakpoint, a library event). */
const STUCK_MS = 3000;
const POLL_MS = 1000;

export interface MissedStopWatch { dispose(): void }

function tracingStopped(pid: number): number[] {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tids.map(Number).filter((tid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 't';
    } catch {
      return false;
    }
  });
}

/**
 * Watches while gdb has the program running (from its `*running` record to
 * its `*stopped` one: a continue, a step, the re-execution of going back).
 */
export function watchMissedStops(gdb: GdbProcess, pids: () => number[]): MissedStopWatch {
  let running = false;
  const onExec = (record: MiAsyncRecord): void => {
    if (record.asyncClass === 'running') running = true;
    else if (record.asyncClass === 'stopped') running = false;
  };
  gdb.on('exec', onExec);
  /** Threads in tracing stop, with the time each was first seen so. */
  let since = new Map<number, number>();
  const timer = setInterval(() => {
    const gdbPid = gdb.pid;
    if (!running || gdbPid === undefined) {
      since.clear();
      return;
    }
    const now = Date.now();
    const seen = new Map<number, number>();
    for (const pid of pids()) for (const tid of tracingStopped(pid)) seen.set(tid, since.get(tid) ?? now);
    since = seen;
    if (![...seen.values()].some((t) => now - t >= STUCK_MS)) return;
    try { process.kill(gdbPid, 'SIGCHLD'); } catch { /* gdb is gone */ }
    since.clear();
  }, POLL_MS);
  timer.unref();
  return {
    dispose: () => {
      clearInterval(timer);
      gdb.off('exec', onExec);
    },
  };
}

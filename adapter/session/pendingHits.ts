/**
 * Breakpoint hits that gdb keeps pending at a stop. Two processes often hit
 * one breakpoint at the same instant (the ranks of an MPI job, a parent and
 * its child): gdb 13 in all-stop mode reports one hit and keeps the other's
 * SIGTRAP in its own queue. A snapshot at that stop has gdb queue the
 * engine's signal on that process's thread too (heldSnapshot.ts), and gdb
 * neither resumes a thread whose event it keeps nor delivers the signal: the
 * snapshot waits for that process in vain, or the process runs on past its
 * breakpoint. A landmark waits for a stop without one: gdb reports the kept
 * hits one by one without resuming anything, so such a stop comes soon.
 *
 * gdb puts a thread whose breakpoint trap it took back at the breakpoint's
 * address at once (the int3 ran), so a kept hit shows as a thread of another
 * process standing at a breakpoint. A thread that stands there because gdb
 * reported its hit before and has not let it run since (another process was
 * resumed alone, or the kept hits of others were reported) has nothing
 * pending: the kernel's count of its context switches, unchanged since then,
 * tells it apart from one that ran into the breakpoint again.
 */
import * as fs from 'fs';
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';

/** A kernel thread's /proc status (undefined: gone). */
function statusOf(lwp: number | undefined): string | undefined {
  if (lwp === undefined) return undefined;
  try {
    return fs.readFileSync(`/proc/${lwp}/status`, 'utf8');
  } catch {
    return undefined;
  }
}

/** How often the kernel switched to and from a thread: the same while a debugger holds it stopped. */
export function switchesOf(lwp: number | undefined): string | undefined {
  const counts = [...(statusOf(lwp) ?? '').matchAll(/^(?:non)?voluntary_ctxt_switches:\s*(\d+)$/gm)].map((m) => m[1]);
  return counts.length === 2 ? counts.join('/') : undefined;
}

/** The process a kernel thread belongs to (undefined: gone). */
export function processOfLwp(lwp: number | undefined): number | undefined {
  const m = /^Tgid:\s*(\d+)$/m.exec(statusOf(lwp) ?? '');
  return m ? Number(m[1]) : undefined;
}

export class PendingHits {
  /** Kernel thread id → its context switches when it was last known to have nothing pending. */
  private settled = new Map<number, string>();

  /**
   * At a stop of `reported` (gdb's thread id): whether a thread of another
   * process may have a breakpoint hit that gdb keeps. `processOf` gives a
   * thread's process.
   */
  async keptAt(gdb: MiConnection, reported: number, processOf: (thread: number) => number | undefined): Promise<boolean> {
    const { threads } = await mi.threadInfo(gdb);
    const lwps = new Map(threads.map((t) => [t.id, mi.lwpOf(t.targetId)]));
    for (const lwp of this.settled.keys()) if (![...lwps.values()].includes(lwp)) this.settled.delete(lwp);
    // Its event is the one reported: gdb keeps nothing more of it.
    this.settle([lwps.get(reported)]);
    const own = processOf(reported);
    const others = threads.filter((t) => t.id !== reported && processOf(t.id) !== own && t.frame?.addr);
    if (others.length === 0) return false;
    const breakpoints = new Set((await mi.breakList(gdb)).flatMap(mi.codeAddresses));
    return others.some((t) => {
      if (!breakpoints.has(BigInt(t.frame!.addr!))) return false;
      const lwp = lwps.get(t.id);
      const switches = switchesOf(lwp);
      return switches === undefined || lwp === undefined || this.settled.get(lwp) !== switches;
    });
  }

  /** After a snapshot every thread ran through the engine back to where it stood: gdb keeps nothing of any. */
  async settleAll(gdb: MiConnection): Promise<void> {
    this.settle((await mi.threadInfo(gdb)).threads.map((t) => mi.lwpOf(t.targetId)));
  }

  private settle(lwps: (number | undefined)[]): void {
    for (const lwp of lwps) {
      const switches = switchesOf(lwp);
      if (lwp !== undefined && switches !== undefined) this.settled.set(lwp, switches);
    }
  }
}

/**
 * gdb interrupts a running program in plain all-stop mode with a SIGINT to its
 * process group. When a breakpoint stops the program first, gdb reports that
 * stop and the SIGINT stays pending in the kernel: the next resume delivers
 * it (gdb stops again, and discards it: SIGINT does not pass), but a detach
 * leaves it to the program, which dies of it (exit status 130), and after a
 * snapshot the next Continue stops at a SIGINT the user never sent. So before either
 * it is taken out: the one thread that takes it is resumed alone, breakpoints
 * disabled, and the kernel delivers it before that thread runs an instruction;
 * no other thread moves. A SIGINT sent by someone else (Ctrl-C in the
 * program's terminal while gdb holds it) goes the same way, as gdb would not
 * pass it either.
 */
import * as fs from 'fs';
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';

const SIGINT_BIT = 1n << 1n; // signal 2: bit 1 of the /proc masks

function masks(file: string): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  try {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/^(SigPnd|ShdPnd|SigBlk):\s*([0-9a-f]+)$/gm)) out[m[1]] = BigInt(`0x${m[2]}`);
  } catch {
    /* gone meanwhile */
  }
  return out;
}

/**
 * The thread of process `pid` that a pending SIGINT goes to once it runs:
 * one it was sent to, or for one sent to the process, a thread that does not
 * block it. None when no SIGINT waits, or every thread blocks it (then it
 * waits on after a detach too, as it would have without the debugger).
 */
export function sigintTaker(pid: number): number | undefined {
  let tids: number[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return undefined;
  }
  const tasks = tids.map((tid) => ({ tid, m: masks(`/proc/${pid}/task/${tid}/status`) }));
  const open = (m: Record<string, bigint>) => ((m.SigBlk ?? 0n) & SIGINT_BIT) === 0n;
  const own = tasks.find((t) => ((t.m.SigPnd ?? 0n) & SIGINT_BIT) !== 0n && open(t.m));
  if (own) return own.tid;
  const shared = tasks.some((t) => ((t.m.ShdPnd ?? 0n) & SIGINT_BIT) !== 0n);
  return shared ? tasks.find((t) => open(t.m))?.tid : undefined;
}

/** Whether a SIGINT waits for `pid` that one of its threads would take. */
export function sigintPending(pid: number): boolean {
  return sigintTaker(pid) !== undefined;
}

/**
 * Takes out the pending SIGINTs of the stopped program (see above).
 * `resumeThread` continues one thread of gdb's and resolves at the next stop;
 * `interrupt` stops the program when no stop came. A few rounds at most, and
 * nothing worse than before when it gives up.
 */
export async function drainInterrupt(
  gdb: MiConnection,
  pids: number[],
  resumeThread: (thread: number) => Promise<void>,
  interrupt: () => Promise<void>,
): Promise<void> {
  if (!pids.some(sigintPending)) return;
  const byLwp = new Map((await mi.threadInfo(gdb)).threads.map((t) => [mi.lwpOf(t.targetId), t.id]));
  const locking = (await mi.gdbShow(gdb, 'scheduler-locking')) ?? 'replay';
  await gdb.send('-break-disable');
  try {
    await mi.gdbSet(gdb, 'scheduler-locking on');
    for (const pid of pids) {
      for (let round = 0; round < 3; round++) {
        const thread = byLwp.get(sigintTaker(pid) ?? -1);
        if (thread === undefined) break;
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((r) => { timer = setTimeout(() => r('late'), 5000); });
        const outcome = await Promise.race([resumeThread(thread), late]);
        clearTimeout(timer);
        if (outcome === 'late') await interrupt();
      }
    }
  } finally {
    await mi.gdbSet(gdb, `scheduler-locking ${locking}`).catch(() => undefined);
    await gdb.send('-break-enable').catch(() => undefined);
  }
}

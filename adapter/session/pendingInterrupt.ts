/**
 * gdb interrupts a running program in plain all-stop mode with a SIGINT to its
 * process group. When a breakpoint stops the program first, gdb reports that
 * stop and the SIGINT stays pending in the kernel: the next resume delivers
 * it (gdb stops again, and discards it: SIGINT does not pass), but a detach
 * leaves it to the program, which dies of it (exit status 130). Before a
 * detach such a SIGINT is taken out by resuming once, with no breakpoint in
 * the way: the kernel delivers it before the program runs an instruction.
 */
import * as fs from 'fs';
import type { MiConnection } from '../gdb/gdbProcess';

const SIGINT_BIT = 1n << 1n; // signal 2: bit 1 of the /proc masks

/** Whether a SIGINT waits in the kernel for `pid`, for the process or one of its threads. */
export function sigintPending(pid: number): boolean {
  const masks: string[] = [];
  const grab = (file: string, field: string) => {
    try {
      const m = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(fs.readFileSync(file, 'utf8'));
      if (m) masks.push(m[1]);
    } catch {
      /* gone meanwhile */
    }
  };
  grab(`/proc/${pid}/status`, 'ShdPnd');
  let tids: string[] = [];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return false;
  }
  for (const tid of tids) grab(`/proc/${pid}/task/${tid}/status`, 'SigPnd');
  return masks.some((m) => (BigInt(`0x${m}`) & SIGINT_BIT) !== 0n);
}

/**
 * Takes a pending SIGINT out of the stopped program (see above): breakpoints
 * disabled, `resume` (which resolves at the next stop, that of the SIGINT),
 * for a few rounds at most; when no stop comes, `interrupt` stops the program
 * again. Nothing worse than before when it gives up.
 */
export async function drainInterrupt(gdb: MiConnection, pids: number[], resume: () => Promise<void>, interrupt: () => Promise<void>): Promise<void> {
  if (!pids.some(sigintPending)) return;
  await gdb.send('-break-disable');
  for (let round = 0; round < 3 && pids.some(sigintPending); round++) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => { timer = setTimeout(() => r('late'), 5000); });
    const outcome = await Promise.race([resume(), late]);
    clearTimeout(timer);
    if (outcome === 'late') await interrupt();
  }
}

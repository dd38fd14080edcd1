/**
 * The program as gdb holds it for a snapshot or a restore (Debuggee.hold):
 * what the time-travel part may do with it meanwhile.
 */
import type { StdioOptions } from 'child_process';
import type { MiConnection } from '../gdb/gdbProcess';
import type { MiAsyncRecord } from '../gdb/miParser';

/** Restarts a snapshot with the given stdio; calls `onReplacing` once the snapshot passed its check. */
export type ProgramRestarter = (stdio: StdioOptions, onReplacing: () => void) => Promise<{ pids: number[]; focus?: number }>;

export interface HeldProgram {
  gdb: MiConnection;
  /** The engine's signal number (62 unless CKPT_SIGNAL says otherwise). */
  signal: number;
  /** The program's live processes. */
  pids(): number[];
  /** The next `*stopped` record: while held, gdb's stops come here instead of to the client. */
  nextStop(timeoutMs: number): Promise<MiAsyncRecord>;
  /** Every thread gdb holds, and one leader per process that has several (see heldSnapshot.ts). */
  threads(): Promise<{ threads: number[]; leaders: number[] }>;
  /**
   * Replaces the program by restarted processes (the program of now is
   * killed when `restart` calls back) and attaches gdb to each of them.
   */
  replace(restart: ProgramRestarter): Promise<{ pids: number[]; focus?: number; threads: number[] }>;
}

/** The first thread of each process that has several: a single thread has no followers to race. */
export function leadersOf(threads: number[], processOf: (thread: number) => string): number[] {
  const byProcess = new Map<string, number[]>();
  for (const t of threads) byProcess.set(processOf(t), [...(byProcess.get(processOf(t)) ?? []), t]);
  return [...byProcess.values()].filter((ids) => ids.length > 1).map((ids) => ids[0]);
}

/**
 * The program as gdb holds it for a snapshot or a restore (Debuggee.hold):
 * what the time-travel part may do with it meanwhile.
 */
import type { StdioOptions } from 'child_process';
import * as fs from 'fs';
import type { MiConnection } from '../gdb/gdbProcess';
import type { MiAsyncRecord } from '../gdb/miParser';
import { quoteMiArg } from '../gdb/miParser';
import { MpiJob, loadRestoredFile } from './mpiJob';

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

/**
 * The symbols of a restored process's new inferior: an MPI job's process gets
 * the file it ran (mpirun or the rank program); another, the program's where
 * the process maps it and the inferior has no file yet.
 */
export async function giveRestoredSymbols(gdb: MiConnection, group: string, pid: number, program: string | undefined, mpi: MpiJob | undefined, hasFile: boolean): Promise<void> {
  if (mpi) await loadRestoredFile(gdb, group, pid, mpi, program ?? '');
  else if (!hasFile) await giveProgramSymbols(gdb, group, pid, program);
}

/**
 * A restored process runs as the restorer's executable, and gdb takes that
 * one's symbols for an inferior that has no executable yet (one added for a
 * child): its frames would show as `??`. When the restored process has the
 * program mapped (a child that did not exec another), the inferior is given
 * the program before gdb attaches to it.
 */
export async function giveProgramSymbols(gdb: MiConnection, group: string, pid: number, program: string | undefined): Promise<void> {
  if (!program || !group || !mapsFile(pid, program)) return;
  await gdb.send(`-file-exec-and-symbols --thread-group ${group} ${quoteMiArg(program)}`).catch(() => undefined);
}

function mapsFile(pid: number, file: string): boolean {
  let maps: string;
  try {
    maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch {
    return false;
  }
  const real = fs.existsSync(file) ? fs.realpathSync(file) : file;
  return maps.split('\n').some((line) => { const p = line.split(/\s+/).slice(5).join(' '); return p === real || p === file; });
}

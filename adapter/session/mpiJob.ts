/**
 * An Open MPI job in the debugger (the launch option `"mpi": { "ranks": N,
 * "args": [...] }`): gdb runs `mpirun -np N ARGS PROGRAM PROGRAM-ARGS` under
 * the engine, and every rank is one of gdb's inferiors.
 *
 * mpirun itself runs under gdb, as the first inferior: on one machine it
 * forks every rank itself, and gdb follows forks (detach-on-fork off) and the
 * ranks' exec of the program, so each rank is under gdb from its first
 * instruction, breakpoints early in main included, and its exit reaches gdb.
 * Attaching after the start would miss what the ranks do before it. mpirun's
 * threads stop with the ranks' (all-stop), which costs nothing: it only
 * forwards output and waits for its ranks. Its exit status is the job's.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import { errorMessage, readMpiRank } from '../engine';
import { quoteMiArg } from '../gdb/miParser';
import { LaunchError, LaunchPlan, noDebugInfoMessage } from './programChecks';

export interface MpiJob {
  /** mpirun's path, found on the PATH the program gets. */
  mpirun: string;
  ranks: number;
  /** mpirun's own arguments, before the program. */
  args: string[];
}

/** More ranks than this on one machine is a typo, not a job to debug. */
const MAX_RANKS = 1024;

/** Where `name` is on `pathVar` (an executable file), or undefined. */
function onPath(name: string, pathVar: string): string | undefined {
  for (const dir of pathVar.split(':')) {
    if (dir === '') continue;
    const file = path.join(dir, name);
    try {
      if (fs.statSync(file).isFile()) {
        fs.accessSync(file, fs.constants.X_OK);
        return file;
      }
    } catch { /* not here */ }
  }
  return undefined;
}

/** Checks the launch configuration's `mpi` (undefined: not an MPI job). */
export function checkMpi(args: { mpi?: unknown; env?: Record<string, unknown>; stopOnEntry?: boolean }): MpiJob | undefined {
  const { mpi } = args;
  if (mpi === undefined) return undefined;
  if (typeof mpi !== 'object' || mpi === null || Array.isArray(mpi)) {
    throw new LaunchError('"mpi" must be { "ranks": N, "args": [...mpirun arguments] }.');
  }
  const { ranks, args: mpirunArgs } = mpi as Record<string, unknown>;
  if (typeof ranks !== 'number' || !Number.isInteger(ranks) || ranks < 1 || ranks > MAX_RANKS) {
    throw new LaunchError(`"mpi.ranks" must be a whole number from 1 to ${MAX_RANKS} (the number of MPI processes), not ${JSON.stringify(ranks)}.`);
  }
  if (mpirunArgs !== undefined && (!Array.isArray(mpirunArgs) || mpirunArgs.some((a) => typeof a !== 'string'))) {
    throw new LaunchError('"mpi.args" must be a list of strings (mpirun\'s arguments, before the program).');
  }
  if (args.stopOnEntry) {
    throw new LaunchError('"stopOnEntry" cannot be used with "mpi" (the job\'s first process is mpirun): set a breakpoint in main instead.');
  }
  const envPath = args.env?.PATH;
  const pathVar = typeof envPath === 'string' ? envPath : process.env.PATH ?? '/usr/bin:/bin';
  const mpirun = onPath('mpirun', pathVar);
  if (!mpirun) {
    throw new LaunchError(`"mpi": mpirun was not found on the PATH (${pathVar}). Install Open MPI (apt-get install openmpi-bin) or put its bin folder on "env.PATH".`);
  }
  return { mpirun, ranks, args: (mpirunArgs as string[] | undefined) ?? [] };
}

/** The arguments gdb gives the program it runs: mpirun's, then the program and its own. */
export function launchArguments(plan: LaunchPlan): string[] {
  if (!plan.mpi) return plan.args;
  return ['-np', String(plan.mpi.ranks), ...plan.mpi.args, plan.program, ...plan.args];
}

/**
 * Loads the program into gdb and says when it has no debug information. For
 * an MPI job mpirun is then the file gdb runs; the program's breakpoints stay
 * pending until each rank has executed it.
 */
export async function loadProgram(gdb: MiConnection, plan: LaunchPlan, warn: (text: string) => void): Promise<void> {
  for (const file of plan.mpi ? [plan.program, plan.mpi.mpirun] : [plan.program]) {
    await mi.fileExecAndSymbols(gdb, file).catch((err) => {
      throw new LaunchError(`gdb cannot load '${file}': ${errorMessage(err)}`);
    });
    if (file === plan.program && !await mi.hasDebugInfo(gdb)) warn(noDebugInfoMessage(plan.program) + '\n');
  }
}

/**
 * A restored process runs as the restorer's executable, and gdb, attaching in
 * an inferior without a file of its own, would read the restorer's symbols:
 * the inferior is given the file the process ran, mpirun or the program
 * (a rank is a process with an MPI rank in its environment).
 */
export async function loadRestoredFile(gdb: MiConnection, group: string, pid: number, job: MpiJob, program: string): Promise<void> {
  const file = readMpiRank(pid) === undefined ? job.mpirun : program;
  const groups = await mi.listThreadGroups(gdb);
  if (groups.find((g) => g.id === group)?.executable === file) return;
  await gdb.send(`-file-exec-and-symbols --thread-group ${group} ${quoteMiArg(file)}`).catch((err) => {
    throw new Error(`gdb cannot load '${file}' for the restored process ${pid}: ${errorMessage(err)}`);
  });
}

/**
 * Checks on the program to debug before gdb sees it, so that the user reads
 * "does not exist" or "is not executable" rather than a gdb message.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { GdbSetup } from './gdbSetup';
import type { MpiJob } from './mpiJob';
import { checkTrackFolders } from '../engine/trackFolders';

export class LaunchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LaunchError';
  }
}

/** Resolves `program` against `cwd` and checks that it is an executable ELF file. */
export function checkProgram(program: string | undefined, cwd: string): string {
  if (typeof program !== 'string' || program.trim() === '') {
    throw new LaunchError('No program to debug: set "program" in the launch configuration to the path of a compiled program.');
  }
  const resolved = path.resolve(cwd, program);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(resolved);
  } catch {
    throw new LaunchError(`Program '${resolved}' does not exist. Build it first (e.g. gcc -g -O0 -o ${path.basename(resolved)} ${path.basename(resolved)}.c).`);
  }
  if (stat.isDirectory()) throw new LaunchError(`Program '${resolved}' is a directory, not a program.`);
  try {
    fs.accessSync(resolved, fs.constants.X_OK);
  } catch {
    throw new LaunchError(`Program '${resolved}' is not executable (try: chmod +x '${resolved}').`);
  }
  const head = Buffer.alloc(4);
  const fd = fs.openSync(resolved, 'r');
  try {
    fs.readSync(fd, head, 0, 4, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (!head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) {
    throw new LaunchError(`Program '${resolved}' is not a compiled (ELF) program; scripts cannot be debugged with gdb.`);
  }
  return resolved;
}

/** Resolves the working directory and checks that it exists. */
export function checkCwd(cwd: string | undefined, fallback: string): string {
  const resolved = path.resolve(cwd ?? fallback);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(resolved);
  } catch {
    throw new LaunchError(`Working directory '${resolved}' ("cwd") does not exist.`);
  }
  if (!stat.isDirectory()) throw new LaunchError(`Working directory '${resolved}' ("cwd") is not a directory.`);
  return resolved;
}

export function noDebugInfoMessage(program: string): string {
  return `Program '${program}' has no debug information: breakpoints on source lines cannot be set and variables cannot be shown. Rebuild it with -g (e.g. gcc -g -O0).`;
}

/** A launch configuration, checked: what the debuggee starts. */
export interface LaunchPlan {
  program: string;
  cwd: string;
  args: string[];
  env: Record<string, string>;
  snapshotDir: string;
  /** The user chose the snapshot directory (so it must work). */
  explicitSnapshotDir: boolean;
  gdbPath?: string;
  stopOnEntry: boolean;
  /** `setupCommands` and `sourceFileMap`, checked (gdbSetup.ts). */
  setup?: GdbSetup;
  /** `trackFolders`, as real absolute paths. */
  trackFolders: string[];
  /** `mpi`, checked: the program runs as the ranks of an Open MPI job (mpiJob.ts). */
  mpi?: MpiJob;
  /** `deterministicReplay` (default true). */
  deterministicReplay: boolean;
}

/** Checks the parts of a launch configuration that need no gdb. */
export function checkLaunch(args: {
  program?: unknown; cwd?: string; args?: unknown; env?: Record<string, unknown>; snapshotDir?: string; gdbPath?: string; stopOnEntry?: boolean;
  trackFolders?: unknown; deterministicReplay?: unknown;
}): LaunchPlan {
  const programArg = typeof args.program === 'string' ? args.program : undefined;
  const cwd = checkCwd(args.cwd, programArg && path.isAbsolute(programArg) ? path.dirname(programArg) : process.cwd());
  const program = checkProgram(programArg, cwd);
  if (args.args !== undefined && (!Array.isArray(args.args) || args.args.some((a) => typeof a !== 'string'))) {
    throw new LaunchError('"args" must be a list of strings.');
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(args.env ?? {})) {
    if (typeof value !== 'string') throw new LaunchError(`"env.${name}" must be a string.`);
    env[name] = value;
  }
  if (args.deterministicReplay !== undefined && typeof args.deterministicReplay !== 'boolean') {
    throw new LaunchError('"deterministicReplay" must be true or false.');
  }
  return {
    program,
    cwd,
    args: (args.args as string[] | undefined) ?? [],
    env,
    snapshotDir: path.resolve(cwd, args.snapshotDir ?? '.ckpt'),
    explicitSnapshotDir: args.snapshotDir !== undefined,
    gdbPath: args.gdbPath,
    stopOnEntry: !!args.stopOnEntry,
    trackFolders: checkTracked(args.trackFolders, cwd),
    deterministicReplay: args.deterministicReplay !== false,
  };
}

function checkTracked(folders: unknown, cwd: string): string[] {
  if (folders === undefined) return [];
  if (!Array.isArray(folders) || folders.some((f) => typeof f !== 'string')) throw new LaunchError('"trackFolders" must be a list of folders.');
  try {
    return checkTrackFolders(folders as string[], cwd);
  } catch (err) {
    throw new LaunchError(`"trackFolders": ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Checks on the program to debug before gdb sees it, so that the user reads
 * "does not exist" or "is not executable" rather than a gdb message.
 */
import * as fs from 'fs';
import * as path from 'path';

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

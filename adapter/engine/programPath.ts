import * as fs from 'node:fs';
import * as path from 'node:path';
import { CkptError } from './ckptError';

function isExecutableFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile() && (fs.accessSync(file, fs.constants.X_OK), true);
  } catch {
    return false;
  }
}

/**
 * Finds the program as execvp would (a name with a slash is a path, relative
 * to cwd; otherwise each PATH entry), so that a missing or non-executable
 * program is a clear error before anything is spawned.
 */
export function resolveProgram(program: string, envPath: string | undefined, cwd: string = process.cwd()): string {
  if (program === '') throw new CkptError('the program name is empty');
  if (program.includes('/')) {
    const file = path.resolve(cwd, program);
    if (!fs.existsSync(file)) throw new CkptError(`cannot run ${program}: no such file`);
    if (!isExecutableFile(file)) throw new CkptError(`cannot run ${program}: not an executable file`);
    return file;
  }
  for (const dir of (envPath ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const file = path.resolve(cwd, dir || '.', program);
    if (isExecutableFile(file)) return file;
  }
  throw new CkptError(`cannot run ${program}: not found on PATH`);
}

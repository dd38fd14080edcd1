import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Snapshot directories and sockets hold a program's memory: they are private to
 * the user (dirs 0700, files 0600) whatever the umask says, hence the explicit
 * chmod after every create.
 */
export function mkdirPrivate(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
}

/**
 * Creates `dir` (and missing parents) for the computation. A directory that
 * already exists keeps its mode: it may be the user's own (say, `--dir .`), and
 * privacy is kept one level down (snapshots/ 0700, sockets 0600).
 */
export function ensureDir(dir: string): void {
  const created = fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (created !== undefined) fs.chmodSync(dir, 0o700);
  if (!fs.statSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
}

/** Creates exactly `dir` (its parent must exist); false if it already exists. */
export function mkdirExclusive(dir: string): boolean {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  fs.chmodSync(dir, 0o700);
  return true;
}

/** Writes a file atomically (temp file + rename) with mode 0600. */
export function writeFilePrivate(file: string, data: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, data, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

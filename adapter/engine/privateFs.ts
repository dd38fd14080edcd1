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
 * Creates `dir` (and missing parents) for the computation; returns whether it
 * was created. A directory that already exists keeps its mode: it may be the
 * user's own (say, `--dir .`); whether it can be trusted is checked apart
 * (trustedDir.ts).
 */
export function ensureDir(dir: string): boolean {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (st) {
    if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
    return false;
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  return true;
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

/**
 * Writes a file atomically (temp file + rename) with mode 0600. The temp file
 * is created afresh and never through a link someone left in its place.
 */
export function writeFilePrivate(file: string, data: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.unlinkSync(tmp); // left by a process of this pid that died mid-write
  } catch {
    // none
  }
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
  const fd = fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  try {
    fs.fchmodSync(fd, 0o600);
    fs.writeFileSync(fd, data);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

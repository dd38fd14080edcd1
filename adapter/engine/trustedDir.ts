import * as fs from 'node:fs';
import * as path from 'node:path';
import { CkptError, errnoCode, errorMessage } from './ckptError';

/**
 * A computation directory holds a program's memory and the sockets that
 * control it: nobody but its user may be able to put, swap or rename anything
 * in it. `dir` (through any links in its path) must be owned by this user and
 * writable by no one else (group-writable only when the group is the user's
 * own), and every folder above it must be owned by this user or root and be
 * writable by no one else unless sticky (as /tmp is: there others can neither
 * rename nor remove what is ours). Throws a CkptError naming what is wrong.
 */
export function assertTrustedDir(dir: string): void {
  let real: string;
  try {
    real = fs.realpathSync(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new CkptError(`no such directory: ${dir}`);
    throw new CkptError(`cannot use ${dir}: ${errorMessage(err)}`);
  }
  const st = fs.statSync(real);
  if (!st.isDirectory()) throw new CkptError(`${dir} is not a directory`);
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (st.uid !== uid) throw new CkptError(`${dir} belongs to another user (uid ${st.uid}): use a directory of your own`);
  if (othersMayWrite(st, gid)) {
    throw new CkptError(`${dir} can be written by other users (mode ${modeText(st.mode)}): make it private (chmod 700) or use another --dir`);
  }
  for (let up = path.dirname(real); ; up = path.dirname(up)) {
    const a = fs.statSync(up);
    if (a.uid !== uid && a.uid !== 0) throw new CkptError(`${dir} is inside ${up}, which belongs to another user (uid ${a.uid}): use a directory of your own`);
    if (othersMayWrite(a, gid) && !(a.mode & 0o1000)) {
      throw new CkptError(`${dir} is inside ${up}, which other users can write (mode ${modeText(a.mode)}): they could replace ${dir}`);
    }
    if (up === path.dirname(up)) break;
  }
}

/**
 * `dir/name` as a private directory of this user: created (0700) if missing;
 * if present, it must be a real directory (not a link) of this user.
 */
export function privateSubdir(dir: string, name: string): string {
  const sub = path.join(dir, name);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(sub);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    fs.mkdirSync(sub, { mode: 0o700 });
    st = fs.lstatSync(sub);
  }
  if (st.isSymbolicLink()) throw new CkptError(`${sub} is a symbolic link: refusing to follow it (remove it)`);
  if (!st.isDirectory()) throw new CkptError(`${sub} is not a directory (remove it)`);
  if (st.uid !== (process.getuid?.() ?? 0)) throw new CkptError(`${sub} belongs to another user (uid ${st.uid})`);
  if ((st.mode & 0o777) !== 0o700) fs.chmodSync(sub, 0o700);
  return sub;
}

function othersMayWrite(st: fs.Stats, gid: number): boolean {
  return (st.mode & 0o002) !== 0 || ((st.mode & 0o020) !== 0 && st.gid !== gid);
}

function modeText(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

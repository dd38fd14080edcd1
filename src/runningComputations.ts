/**
 * The computations of this user that `ckpt launch` runs now, for the attach
 * picker: read from /proc alone (no adapter, no session yet). A computation is
 * a `ckpt launch` process listening on its directory's ctl.sock; its program
 * is what follows `--` on that command line, its PID the launch's child.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RunningComputation {
  /** The computation's directory (attach's `snapshotDir`). */
  dir: string;
  /** The program and its arguments, as given to `ckpt launch`. */
  program: string;
  args: string[];
  /** The program's process (the launch's child); the launch's own when it has none now. */
  pid: number;
  /** The `ckpt launch` process. */
  launchPid: number;
  /** A debugger already traces the program (gdb of another session). */
  debugged: boolean;
}

/** Listening Unix sockets named `.../ctl.sock`, by inode (/proc/net/unix: the last column is the path). */
export function ctlSocketsByInode(procNetUnix: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of procNetUnix.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // Num RefCount Protocol Flags Type St Inode Path; flags 00010000 is __SO_ACCEPTCON (listening).
    if (cols.length < 8 || cols[3] !== '00010000') continue;
    const socketPath = cols.slice(7).join(' ');
    if (path.basename(socketPath) === 'ctl.sock') found.set(cols[6], socketPath);
  }
  return found;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // gone, or another user's
  }
}

function statusField(pid: number, name: string): string | undefined {
  return new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(readText(`/proc/${pid}/status`) ?? '')?.[1];
}

/** The program given to `ckpt launch` (what follows `--` after `launch`), or undefined for any other process. */
export function launchedProgramOf(argv: string[]): string[] | undefined {
  const launch = argv.indexOf('launch');
  if (launch < 0) return undefined;
  const dashes = argv.indexOf('--', launch);
  const rest = dashes >= 0 ? argv.slice(dashes + 1) : argv.slice(launch + 1).filter((a, i, all) => !a.startsWith('-') && all[i - 1] !== '--dir' && all[i - 1] !== '--interval');
  return rest.length > 0 ? rest : undefined;
}

/** This user's processes, as numbers. */
function ownProcesses(uid: number): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.statSync(`/proc/${name}`).uid === uid) pids.push(Number(name));
    } catch {
      // ended meanwhile
    }
  }
  return pids;
}

/** The socket inodes a process holds open. */
function socketInodes(pid: number): string[] {
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const inodes: string[] = [];
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.push(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** The running computations of this user, newest launch first. */
export function runningComputations(uid = process.getuid?.() ?? 0): RunningComputation[] {
  const sockets = ctlSocketsByInode(readText('/proc/net/unix') ?? '');
  if (sockets.size === 0) return [];
  const pids = ownProcesses(uid);
  const found: RunningComputation[] = [];
  for (const pid of pids) {
    const argv = (readText(`/proc/${pid}/cmdline`) ?? '').split('\0').filter((a) => a !== '');
    const launched = launchedProgramOf(argv);
    if (!launched) continue;
    const socket = socketInodes(pid).map((inode) => sockets.get(inode)).find((s) => s !== undefined);
    if (!socket) continue;
    const dir = path.dirname(socket);
    // A directory that is not this user's is not offered, whoever listens in it.
    const st = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (!st || !st.isDirectory() || st.uid !== uid) continue;
    const child = pids.find((p) => p !== pid && statusField(p, 'PPid') === String(pid));
    const shown = child ?? pid;
    found.push({
      dir, program: launched[0], args: launched.slice(1), pid: shown, launchPid: pid,
      debugged: child !== undefined && (statusField(child, 'TracerPid') ?? '0') !== '0',
    });
  }
  return found.sort((a, b) => b.launchPid - a.launchPid);
}

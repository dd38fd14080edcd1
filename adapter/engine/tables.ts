/**
 * The resource tables of a computation: what `ckpt status --json` and
 * `ckpt inspect SNAPSHOT --json` print, and what the debug adapter's
 * `ckpt/resources` request returns. The one definition of these shapes;
 * bump TABLES_VERSION when a field changes meaning or disappears.
 */
export const TABLES_VERSION = 1;

export type FdKind = 'file' | 'stdio' | 'pipe' | 'fifo' | 'socket' | 'dir' | 'device' | 'tty' | 'other';

export interface FdRow {
  fd: number;
  kind: FdKind;
  /** Path for files, `pipe:[inode]`/`socket:[inode]` style names otherwise. */
  path: string;
  /** File offset, when the fd has one. */
  offset?: number;
  /** open(2) flags as a number (O_ACCMODE bits, O_APPEND, ...). */
  flags: number;
  /** For pipes and sockets inside the computation: the other end. */
  peer?: { vpid: number; fd: number };
}

export interface ThreadRow {
  /** The TID the program sees (stable across restart). */
  vtid: number;
  /** The kernel's TID now (live) or when the snapshot was taken. */
  tid: number;
}

export interface ProcessRow {
  vpid: number;
  pid: number;
  vppid: number;
  pgid?: number;
  sid?: number;
  argv: string[];
  threads: ThreadRow[];
  fds: FdRow[];
}

export interface ResourceTables {
  version: typeof TABLES_VERSION;
  /** 'live' for a running computation, else the snapshot id. */
  source: 'live' | string;
  processes: ProcessRow[];
}

export interface SnapshotInfo {
  id: string;
  label?: string;
  /** ISO 8601 time the snapshot was taken. */
  time: string;
  /** Total bytes of the snapshot's images. */
  size: number;
  /** Number of processes saved. */
  processes: number;
}

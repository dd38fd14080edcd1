/**
 * The resource tables of a computation: what `ckpt status --json` and
 * `ckpt inspect SNAPSHOT --json` print, and what the debug adapter's
 * `ckpt/resources` request returns. The one definition of these shapes;
 * bump TABLES_VERSION when a field changes meaning or disappears.
 */
export const TABLES_VERSION = 2;
// 2: a socket's `peer` is the other end of the connection (1: the same socket open in another process);
//    `local`/`remote` endpoints of TCP sockets; `plugins` per process.

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
  /**
   * For pipes and sockets inside the computation: the other end. A pipe's peer
   * is an end of the same pipe in another process (the opposite direction when
   * there is one); a TCP socket's peer is the socket whose endpoints are this
   * one's reversed; a Unix socket's peer is the socket the kernel pairs it
   * with (from `ss`; none where iproute2 is missing). Snapshots get the same
   * links from what the manifest kept at checkpoint time.
   */
  peer?: { vpid: number; fd: number };
  /** TCP sockets: this end's address, e.g. `127.0.0.1:5000` or `[::1]:5000`. */
  local?: string;
  /** TCP sockets: the other end's address (absent for a listening socket). */
  remote?: string;
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
  /** Process group and session, by the leader's virtual PID when the leader is in the computation. */
  pgid?: number;
  sid?: number;
  argv: string[];
  /** A rank of an Open MPI job: its number (OMPI_COMM_WORLD_RANK); in a snapshot's tables, from its manifest. */
  mpiRank?: number;
  /** A computation across hosts: the host of a process that is not on the coordinator's own (PIDs are per host). */
  host?: string;
  threads: ThreadRow[];
  fds: FdRow[];
  /**
   * What the engine's plugins add to their status answer, by field name (e.g.
   * `generations: {checkpoints, restarts}`). Live tables only: a snapshot's
   * plugin sections are the engine's own format.
   */
  plugins?: Record<string, unknown>;
  /**
   * A snapshot's regular files (native/include/ckpt_files.h): `saved` ones
   * (written or mapped shared and writable) travel with it and are put back
   * at restart; `checked` ones (read) are compared with it. Snapshots only.
   */
  files?: FileRow[];
}

export interface FileRow {
  path: string;
  /** folder: a folder of a tracked folder; tracked: a tracked folder's root. */
  how: 'saved' | 'checked' | 'folder' | 'tracked';
  /** written, mapped, read; tooLarge and unreadable: written but only checked. */
  why: string[];
  size: number;
}

export interface ResourceTables {
  /** The TABLES_VERSION of whoever made the tables (a reader may get older ones). */
  version: number;
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
  /**
   * Bytes that were waiting on the program's standard input, a pipe from
   * outside the computation, and are not in the snapshot (it was not taken
   * with kill: the program read them on; a restart reads its own input).
   */
  stdinNotSaved?: number;
  /**
   * The program's files in the snapshot (summed over its processes): saved,
   * checked, written but only checked (too large or unreadable: notSaved),
   * bytes, bytes stored anew, in tracked folders; and how long the
   * program stood still for the snapshot (ms, the longest of its processes).
   */
  files?: { saved: number; checked: number; notSaved: number; bytes: number; addedBytes: number; tracked: number; pauseMs?: number };
  /** A computation across hosts: the other hosts and how many processes each saved (`processes` counts this host's). */
  hosts?: { name: string; processes: number }[];
}

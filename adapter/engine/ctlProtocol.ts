import type { FileNote } from './fileRecords';
import type { ResourceTables, SnapshotInfo } from './tables';
import type { EngineHello } from './engineConnection';
import type { Invite } from './acrossHosts/memberHosts';

/**
 * The control socket `D/ctl.sock`: how `ckpt checkpoint`, `ckpt status` and
 * `ckpt kill`, `ckpt restore` (or a debug adapter attaching to a `ckpt launch`) reach the
 * coordinator of a running computation. One JSON request line per connection,
 * one JSON reply line.
 */
export type CtlRequest =
  /**
   * With `hold`, the program is held by a debugger attached to it: the
   * coordinator writes the orders without a signal and then sends the
   * progress line `{"sent":true}` before the final reply, so that the
   * debugger knows when to queue the engine's signal (PROTOCOL.md).
   */
  | { cmd: 'checkpoint'; label?: string; kill?: boolean; hold?: boolean }
  | { cmd: 'status' }
  | { cmd: 'kill' }
  | { cmd: 'info' }
  /**
   * Replaces the running computation by snapshot `snapshot`, in the
   * coordinator's own process (so the restored program keeps its terminal).
   * The snapshot is checked first; on a problem the computation is left as it
   * is. Once the check passed the progress line `{"replacing":true}` comes
   * (a debugger holding the processes kills them then, so that they can end),
   * the processes are killed, and the restorer is started (`--hold`: held for
   * a debugger). The reply comes once every restored process said hello.
   */
  | { cmd: 'restore'; snapshot: string; hold?: boolean }
  /** `ckpt-rsh` starts a member coordinator on `host` (native/PROTOCOL.md, "invite"). */
  | { cmd: 'invite'; host: string };

/** The answer to a `restore` order. */
export interface CtlRestored {
  snapshot: string;
  /** pids of the restored processes, the root first. */
  pids: number[];
  /** What the restart did with the program's files before it ran. */
  files?: FileNote[];
}

export interface CtlInfo {
  /** pid of the coordinator process. */
  coordinatorPid: number;
  dir: string;
  /** pid of the program the coordinator started (launched or restored), while it runs. */
  programPid?: number;
  processes: EngineHello[];
  restoredFrom?: string;
}

export type CtlReply =
  | { ok: false; error: string }
  | { ok: true; snapshot: SnapshotInfo }
  | { ok: true; tables: ResourceTables }
  | { ok: true; killed: number }
  | { ok: true; info: CtlInfo }
  | { ok: true; restored: CtlRestored }
  | { ok: true; invite: Invite };

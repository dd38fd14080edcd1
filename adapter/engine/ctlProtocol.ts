import type { ResourceTables, SnapshotInfo } from './tables';
import type { EngineHello } from './engineConnection';

/**
 * The control socket `D/ctl.sock`: how `ckpt checkpoint`, `ckpt status` and
 * `ckpt kill` (or a debug adapter attaching to a `ckpt launch`) reach the
 * coordinator of a running computation. One JSON request line per connection,
 * one JSON reply line.
 */
export type CtlRequest =
  | { cmd: 'checkpoint'; label?: string; kill?: boolean }
  | { cmd: 'status' }
  | { cmd: 'kill' }
  | { cmd: 'info' };

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
  | { ok: true; info: CtlInfo };

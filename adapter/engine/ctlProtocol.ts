import type { ResourceTables, SnapshotInfo } from './tables';
import type { EngineHello } from './engineConnection';

/**
 * The control socket `D/ctl.sock`: how `ckpt checkpoint`, `ckpt status` and
 * `ckpt kill` (or a debug adapter attaching to a `ckpt launch`) reach the
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

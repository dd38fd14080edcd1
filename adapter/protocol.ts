/**
 * The debug adapter's contract with its clients: launch/attach arguments, the
 * custom requests and events for snapshots. Type-only: the extension imports it
 * with `import type`, so nothing here may need a runtime.
 */
import type { SnapshotDiff } from './engine/diffTypes';
import type { ResourceTables, SnapshotInfo } from './engine/tables';
export type { ProcessDiff, RegionDiff, SnapshotDiff } from './engine/diffTypes';
export type { ResourceTables, SnapshotInfo, ProcessRow, ThreadRow, FdRow, FdKind, FileRow } from './engine/tables';

export const DEBUG_TYPE = 'ckpt';

export interface CkptLaunchArguments {
  program: string;
  args?: string[];
  cwd?: string;
  env?: Record<string, string>;
  stopOnEntry?: boolean;
  console?: 'internalConsole' | 'integratedTerminal';
  /** Where snapshots and the control sockets live (default: <cwd>/.ckpt). */
  snapshotDir?: string;
  gdbPath?: string;
  /** gdb commands run before the program is loaded: a command, or { text, description, ignoreFailures }. */
  setupCommands?: (string | { text: string; description?: string; ignoreFailures?: boolean })[];
  /** Where sources of the directory the program was built in are found here (gdb's `set substitute-path`). */
  sourceFileMap?: Record<string, string>;
  /** Folders whose whole contents travel with the snapshots (`ckpt launch --track`). */
  trackFolders?: string[];
  /** Run the program as the ranks of an Open MPI job: `mpirun -np ranks ...args program ...programArgs`. */
  mpi?: { ranks: number; args?: string[] };
  /**
   * Save a snapshot every N seconds while running, and/or at every stop; and
   * landmarks for going back every N stops (at most `maxLandmarks`, thinned
   * with age; by default every 20, at most 20; `landmarkEvery: 0` or
   * `autoSnapshot: false` for none).
   */
  autoSnapshot?: { everySeconds?: number; atStops?: boolean; landmarkEvery?: number; maxLandmarks?: number } | false;
  /** Only in the DAP `restart` request's arguments: restore this snapshot instead of relaunching. */
  restartFromSnapshot?: string;
}

/** The DAP `restart` request's `arguments`: the launch configuration, and/or the snapshot to go back to. */
export interface CkptRestartArguments extends Partial<CkptLaunchArguments> { snapshot?: string }

/**
 * Attaching to a computation started by `ckpt launch`. Every `ckpt/*` request
 * works as when launched; restoring (and Step Back, Reverse Continue, `restart`
 * with a snapshot) has the `ckpt launch` process replace its program, which so
 * keeps that terminal.
 */
export interface CkptAttachArguments {
  /** The directory of a computation started by `ckpt launch`. */
  snapshotDir: string;
  program?: string;
  gdbPath?: string;
  setupCommands?: CkptLaunchArguments['setupCommands'];
  sourceFileMap?: CkptLaunchArguments['sourceFileMap'];
}

/** Custom requests: `ckpt/<verb>`. */
export interface SaveSnapshotArgs { label?: string }
export interface SaveSnapshotResult { snapshot: SnapshotInfo }
export interface ListSnapshotsResult { snapshots: SnapshotInfo[]; restoredFrom?: string }
export interface RestoreSnapshotArgs { id: string }
export interface DeleteSnapshotArgs { id: string }
export interface RenameSnapshotArgs { id: string; label: string }
export interface ResourcesArgs { snapshot?: string }
export type ResourcesResult = ResourceTables;
/** A snapshot looked at without restoring it (a core file per process, read by a gdb of its own). */
export interface InspectSnapshotArgs { id: string }
export interface SnapshotFrameView { name: string; file?: string; line?: number }
export interface SnapshotThreadView {
  vtid: number;
  /** Innermost first. */
  frames: SnapshotFrameView[];
  /** Locals of the innermost user frame (the first whose source file is on this machine). */
  locals: { name: string; value: string }[];
}
export interface SnapshotProcessView { vpid: number; threads: SnapshotThreadView[] }
export interface InspectSnapshotResult { id: string; processes: SnapshotProcessView[] }
/** What changed from snapshot `from` to snapshot `to`: memory page by page, threads, processes, descriptors. */
export interface DiffSnapshotsArgs { from: string; to: string }
export type DiffSnapshotsResult = SnapshotDiff;

export const Requests = {
  saveSnapshot: 'ckpt/saveSnapshot',
  listSnapshots: 'ckpt/listSnapshots',
  restoreSnapshot: 'ckpt/restoreSnapshot',
  deleteSnapshot: 'ckpt/deleteSnapshot',
  renameSnapshot: 'ckpt/renameSnapshot',
  resources: 'ckpt/resources',
} as const;

/**
 * Requests added after the extension's copy of `Requests` (src/ids.ts, which must
 * list every key of `Requests`): kept apart so that the extension still compiles.
 */
export const ViewRequests = {
  /** A snapshot's threads, stacks and top-frame locals without restoring it. */
  inspectSnapshot: 'ckpt/inspectSnapshot',
  /** Two snapshots compared (DiffSnapshotsArgs, DiffSnapshotsResult). */
  diffSnapshots: 'ckpt/diffSnapshots',
} as const;

/**
 * Going back to a moment found by watching the program's memory (the
 * extension keeps its own copy in src/ids.ts).
 */
export const TravelRequests = {
  /** The last change of an expression's value before now: the program stops there (FindLastChangeArgs). */
  findLastChange: 'ckpt/findLastChange',
  /** The first moment since the earliest snapshot that a condition held: the program stops there (FindFirstArgs). */
  findFirst: 'ckpt/findFirst',
} as const;

export interface FindLastChangeArgs {
  expression: string;
  /** The frame the expression is evaluated in (a DAP frame id); the top frame of the thread shown otherwise. */
  frameId?: number;
}
/** What changed: the stop that follows says it too ("limit: 200 → -546"). */
export interface FindLastChangeResult { description: string; old: string; value: string }

export interface FindFirstArgs {
  /** A C expression over globals or memory, true (non-zero) at the moment looked for. */
  condition: string;
  frameId?: number;
}
export interface FindFirstResult { description: string }

/** Custom events: `ckpt/<noun>Changed`. */
export interface SnapshotsChangedBody { snapshots: SnapshotInfo[]; restoredFrom?: string }
export interface ResourcesChangedBody { reason: 'started' | 'stopped' | 'restored' | 'exited' | 'forked' }

export const Events = {
  snapshotsChanged: 'ckpt/snapshotsChanged',
  resourcesChanged: 'ckpt/resourcesChanged',
} as const;

/**
 * The `reason` of the `stopped` event that follows a jump in time: after
 * `ckpt/restoreSnapshot`, Step Back and Reverse Continue the program stands
 * where the snapshot was taken (the event's `description` names the snapshot).
 */
export const RESTORED_STOP_REASON = 'restore';

/**
 * What the program under gdb (debuggee.ts) is in, and what the DAP session
 * hears from it.
 */
import type { Breakpoint as GdbBreakpoint } from '../gdb/gdbCommands';
import type { MiTuple } from '../gdb/miParser';
import type { ExpectedStop } from './stopReasons';

export type DebuggeeState =
  | 'notStarted'
  | 'running'
  | 'stopped'
  /** gdb holds the program for a snapshot or a restore: its stops go to the holder. */
  | 'held'
  | 'exited';

export type OutputKind = 'stdout' | 'stderr' | 'console' | 'important';

/** A stop to report: gdb's record and what the debugger had asked for. */
export interface DebuggeeStop {
  results: MiTuple;
  thread: number;
  expected?: ExpectedStop;
  /** A skipped breakpoint hit where the step under way would have ended anyway. */
  endOfStep: boolean;
}

export interface DebuggeeEvents {
  output: [kind: OutputKind, text: string];
  stopped: [stop: DebuggeeStop];
  /** A restored snapshot is shown stopped in `thread`. */
  restored: [snapshotId: string, thread: number];
  /** Going back re-executed the program to an earlier stop: shown stopped in `thread` as it was then. */
  arrived: [thread: number, reason: string, description: string];
  exited: [code: number];
  /** gdb is gone, or the program ended: nothing more will happen. */
  ended: [why: 'gdb exited' | 'program exited'];
  thread: [change: 'started' | 'exited', id: number];
  process: [change: 'started' | 'forked'];
  breakpointModified: [bkpt: GdbBreakpoint];
  /** The threads moved (ran, or were replaced): what was read at the last stop is stale. */
  moved: [];
  /** A stop the client does not see (a logpoint, a hit its hit condition skips) at code address `pc`. */
  passed: [pc: string];
}

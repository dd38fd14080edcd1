/**
 * What a stop of gdb's means to the client: from the `*stopped` record (and
 * what the debugger asked for) to DAP's stop reason, its text and the
 * breakpoints it hit; and from an `exited` record to the program's exit code.
 * Pure functions: the records are gdb's, the answers DAP's.
 */
import * as os from 'os';
import type { MiTuple } from '../gdb/miParser';
import { miNumber, miString } from '../gdb/miParser';
import { stoppedBreakpointNumber } from './breakpointHits';

/** A stop the debugger asked for: the entry stop of `stopOnEntry`, or a Pause. */
export type ExpectedStop = 'entry' | 'pause';

export interface StopContext {
  /** What the debugger asked for, if anything, since the program last ran. */
  expected?: ExpectedStop;
  /** The stop ends a step that an unreported breakpoint hit interrupted (see stepRecovery.ts). */
  endOfStep?: boolean;
  isInstructionBreakpoint(id: number): boolean;
  /** "counter: 0 → 1" for a watchpoint of the client's; undefined for others. */
  describeWatchpoint(id: number, results: MiTuple): string | undefined;
}

export interface DapStop {
  reason: string;
  description?: string;
  hitBreakpointIds?: number[];
}

/** gdb's reasons for the end of a program's last process. */
export function isExitReason(reason: string): boolean {
  return reason === 'exited-normally' || reason === 'exited' || reason === 'exited-signalled';
}

/**
 * The stop at `main` that `-exec-run --start` asked for: a breakpoint that
 * deletes itself. (A Pause asked for before it arrives does not change what it is.)
 */
export function isEntryStop(results: MiTuple, expected: ExpectedStop | undefined): boolean {
  return expected !== undefined && miString(results.reason) === 'breakpoint-hit' && miString(results.disp) === 'del';
}

/** The client's breakpoint a stop names (none for the entry stop). */
export function hitBreakpointOf(results: MiTuple, expected: ExpectedStop | undefined): number | undefined {
  if (isEntryStop(results, expected)) return undefined;
  return stoppedBreakpointNumber(miString(results.reason) ?? '', results);
}

/** DAP's view of a `*stopped` record that is not an exit. */
export function dapStopOf(results: MiTuple, ctx: StopContext): DapStop {
  const reason = ctx.endOfStep ? 'end-stepping-range' : miString(results.reason) ?? '';
  switch (reason) {
    case 'breakpoint-hit': {
      if (isEntryStop(results, ctx.expected)) return { reason: 'entry' };
      const id = miNumber(results.bkptno);
      if (id === undefined) return { reason: 'breakpoint' };
      return { reason: ctx.isInstructionBreakpoint(id) ? 'instruction breakpoint' : 'breakpoint', hitBreakpointIds: [id] };
    }
    case 'end-stepping-range':
    case 'function-finished':
    case 'location-reached':
      return { reason: 'step' };
    case 'watchpoint-trigger':
    case 'read-watchpoint-trigger':
    case 'access-watchpoint-trigger': {
      const id = stoppedBreakpointNumber(reason, results);
      if (id === undefined) return { reason: 'data breakpoint' };
      return withDescription({ reason: 'data breakpoint', hitBreakpointIds: [id] }, ctx.describeWatchpoint(id, results));
    }
    case 'signal-received': {
      const sig = miString(results['signal-name']) ?? '';
      // An interrupt reaches the program as one of these, depending on how gdb stopped it.
      if (ctx.expected === 'pause' && (sig === 'SIGINT' || sig === '0' || sig === 'SIGSTOP' || sig === 'SIGTRAP')) return { reason: 'pause' };
      return { reason: 'exception', description: `Program received signal ${sig}, ${miString(results['signal-meaning']) ?? ''}`.trim() };
    }
    default:
      return { reason: ctx.expected ?? 'pause' };
  }
}

function withDescription(stop: DapStop, description: string | undefined): DapStop {
  return description ? { ...stop, description } : stop;
}

/**
 * The program's exit code from gdb's `exited` record: the first process's own
 * code when gdb saw it exit (`mainExitCode`), else the record's (octal, as
 * gdb prints it); a program killed by a signal gets the shell's convention,
 * 128 + the signal number.
 */
export function exitCodeOf(results: MiTuple, mainExitCode: number | undefined): number {
  if (mainExitCode !== undefined) return mainExitCode;
  const own = miString(results['exit-code']);
  if (own !== undefined) return parseInt(own, 8);
  if (miString(results.reason) === 'exited-signalled') return 128 + signalNumber(miString(results['signal-name']));
  return 0;
}

function signalNumber(name: string | undefined): number {
  const n = name ? os.constants.signals[name as NodeJS.Signals] : undefined;
  return typeof n === 'number' ? n : 0;
}

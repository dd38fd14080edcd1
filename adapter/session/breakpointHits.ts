/**
 * What happens when gdb stops at one of the client's breakpoints, beyond
 * stopping: hits are counted against a hit condition, and a logpoint prints
 * its message and lets the program go on. Keyed by gdb breakpoint number
 * (line, function and data breakpoints alike).
 */
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { ThreadFrame } from '../gdb/gdbCommands';
import type { MiTuple } from '../gdb/miParser';
import { miString, miTuple } from '../gdb/miParser';
import { HitTest, parseHitCondition } from './hitConditions';
import { MessagePart, formatLogMessage, parseLogMessage } from './logpoints';

export interface HitBehaviour {
  hitCondition?: string;
  logMessage?: string;
}

interface Entry {
  hitTest?: HitTest;
  message?: MessagePart[];
  count: number;
}

export interface HitOutcome {
  /** Report the stop to the client (false: the adapter resumes the program). */
  stop: boolean;
  /** A logpoint's message, to print. */
  output?: string;
}

export class BreakpointHits {
  private readonly entries = new Map<number, Entry>();

  /**
   * Checks a breakpoint's hit condition and log message before it is set:
   * throws an error naming what is wrong. Returns what `register` takes.
   */
  static prepare(b: HitBehaviour): Omit<Entry, 'count'> | undefined {
    const hitTest = b.hitCondition?.trim() ? parseHitCondition(b.hitCondition) : undefined;
    const message = b.logMessage !== undefined && b.logMessage !== '' ? parseLogMessage(b.logMessage) : undefined;
    return hitTest || message ? { hitTest, message } : undefined;
  }

  register(number: number, prepared: Omit<Entry, 'count'> | undefined): void {
    if (prepared) this.entries.set(number, { ...prepared, count: 0 });
  }

  forget(numbers: number[]): void {
    for (const n of numbers) this.entries.delete(n);
  }

  /** A snapshot was restored: the program is back before every hit, so counting starts again. */
  resetCounts(): void {
    for (const e of this.entries.values()) e.count = 0;
  }

  isLogpoint(number: number): boolean {
    return !!this.entries.get(number)?.message;
  }

  /** gdb stopped at breakpoint `number` (its condition, if any, held) in `at`. */
  async hit(gdb: MiConnection, number: number, at: ThreadFrame): Promise<HitOutcome> {
    const entry = this.entries.get(number);
    if (!entry) return { stop: true };
    entry.count++;
    if (entry.hitTest && !entry.hitTest(entry.count)) return { stop: false };
    if (!entry.message) return { stop: true };
    const text = await formatLogMessage(entry.message, (e) => mi.dataEvaluateExpression(gdb, e, at));
    return { stop: false, output: text + '\n' };
  }
}

/** The number of the breakpoint or watchpoint a `*stopped` record names, if any. */
export function stoppedBreakpointNumber(reason: string, results: MiTuple): number | undefined {
  const key = STOP_KEYS[reason];
  if (!key) return undefined;
  const raw = key === 'bkptno' ? miString(results[key]) : miString(miTuple(results[key])?.number);
  const n = raw !== undefined ? Number(raw) : NaN;
  return Number.isInteger(n) ? n : undefined;
}

const STOP_KEYS: Record<string, string> = {
  'breakpoint-hit': 'bkptno',
  'watchpoint-trigger': 'wpt',
  'read-watchpoint-trigger': 'hw-rwpt',
  'access-watchpoint-trigger': 'hw-awpt',
};

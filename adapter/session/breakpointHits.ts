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

  /** Every breakpoint of the client's is registered, with or without a hit condition or message. */
  register(number: number, prepared: Omit<Entry, 'count'> | undefined): void {
    this.entries.set(number, { ...prepared, count: 0 });
  }

  forget(numbers: number[]): void {
    for (const n of numbers) this.entries.delete(n);
  }

  /** A snapshot was restored: the program is back before every hit, so counting starts again. */
  resetCounts(): void {
    for (const e of this.entries.values()) e.count = 0;
  }

  /**
   * gdb stopped at breakpoint `number` (its condition, if any, held) in `at`,
   * at code address `pc` (for a code breakpoint). gdb names one breakpoint
   * only: the client's others at the same address (a function breakpoint and
   * a logpoint on its first line) are hit too, when their conditions hold.
   */
  async hit(gdb: MiConnection, number: number, at: ThreadFrame, pc?: string): Promise<HitOutcome> {
    if (!this.entries.has(number)) return { stop: true };
    const numbers = [number];
    if (pc !== undefined && this.entries.size > 1 && [...this.entries.values()].some((e) => e.hitTest || e.message)) {
      numbers.push(...await this.alsoHit(gdb, number, at, pc));
    }
    let stop = false;
    let output = '';
    for (const n of numbers) {
      const one = await this.hitOne(gdb, n, at);
      stop ||= one.stop;
      output += one.output ?? '';
    }
    return output ? { stop, output } : { stop };
  }

  private async hitOne(gdb: MiConnection, number: number, at: ThreadFrame): Promise<HitOutcome> {
    const entry = this.entries.get(number);
    if (!entry) return { stop: true };
    entry.count++;
    if (entry.hitTest && !entry.hitTest(entry.count)) return { stop: false };
    if (!entry.message) return { stop: true };
    const text = await formatLogMessage(entry.message, (e) => mi.dataEvaluateExpression(gdb, e, at));
    return { stop: false, output: text + '\n' };
  }

  /** The client's other breakpoints at `pc` whose conditions hold. */
  private async alsoHit(gdb: MiConnection, number: number, at: ThreadFrame, pc: string): Promise<number[]> {
    const here = BigInt(pc);
    const out: number[] = [];
    for (const b of await mi.breakList(gdb)) {
      if (b.number === number || !this.entries.has(b.number)) continue;
      if (!mi.codeAddresses(b).includes(here)) continue;
      if (b.condition && !await conditionHolds(gdb, b.condition, at)) continue;
      out.push(b.number);
    }
    return out;
  }
}

/** As gdb decides: non-zero is true, and a condition that cannot be evaluated stops. */
async function conditionHolds(gdb: MiConnection, condition: string, at: ThreadFrame): Promise<boolean> {
  try {
    const v = (await mi.dataEvaluateExpression(gdb, `(${condition}) != 0`, at)).trim();
    return v !== '0' && v !== 'false';
  } catch {
    return true;
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

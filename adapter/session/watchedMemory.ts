/**
 * The changes of watched memory during a replay. gdb tells a change by a
 * `watchpoint-trigger` stop, except when the write is the instruction just
 * before a breakpoint: the stop is then told as that breakpoint's hit only.
 * So every other stop compares the value with the last one known too, and a
 * change is counted either way, the same in every replay.
 */
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { MiTuple } from '../gdb/miParser';
import { miNumber, miString, miTuple } from '../gdb/miParser';

export interface Change { old: string; now: string }

export class WatchedMemory {
  private constructor(readonly number: number, readonly location: string, private value: string) {}

  /** A watchpoint on `location` (a gdb expression), with its value now. */
  static async set(gdb: MiConnection, location: string): Promise<WatchedMemory> {
    const number = await mi.breakWatch(gdb, location);
    return new WatchedMemory(number, location, await mi.dataEvaluateExpression(gdb, location).catch(() => '?'));
  }

  /** The watchpoint's own stop (gdb says what changed). */
  isTrigger(r: MiTuple): boolean {
    return miString(r.reason) === 'watchpoint-trigger' && miNumber(miTuple(r.wpt)?.number) === this.number;
  }

  /** The change this stop shows, if any. */
  async changeAt(gdb: MiConnection, r: MiTuple): Promise<Change | undefined> {
    let now: string;
    if (this.isTrigger(r)) {
      now = miString(miTuple(r.value)?.new) ?? '?';
    } else {
      now = await mi.dataEvaluateExpression(gdb, this.location).catch(() => this.value);
      if (now === this.value) return undefined;
    }
    const old = this.value;
    this.value = now;
    return { old, now };
  }

  async delete(gdb: MiConnection): Promise<void> {
    await mi.breakDelete(gdb, [this.number]).catch(() => undefined);
  }
}

/**
 * Hits a replay leaves standing (replayArrivals.ts): gdb reported them on the
 * way to the position the replay went to, in another order than the first
 * time, and the timeline has them after that position. gdb has nothing
 * pending for such a thread any more: a Continue or a step would resume it,
 * and gdb would step it over its breakpoint without a stop. In a run forward
 * gdb shows a kept hit before it runs anything, so the next resume after
 * going back shows such a hit as its stop, without resuming anything, as
 * long as its thread has not run since (its context switches are unchanged,
 * pendingHits.ts): going forward after going back shows the stops a run
 * forward shows.
 */
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { MiTuple } from '../gdb/miParser';
import { switchesOf } from './pendingHits';

/** A thread standing at a hit that gdb reported during a replay. */
export interface StandingHit {
  /** gdb's id of the thread. */
  thread: number;
  /** Its kernel id, and its context switches when gdb reported the hit. */
  lwp: number;
  switches: string;
}

export class StandingHits {
  private hits: StandingHit[] = [];

  /** The hits the replay that replaced the program left standing, in the order gdb reported them. */
  set(hits: StandingHit[]): void {
    this.hits = [...hits];
  }

  clear(): void {
    this.hits = [];
  }

  /**
   * The first hit whose thread has not run since, at one of the client's
   * breakpoints, as the `*stopped` record gdb gave for it (the others stay
   * for the resumes after); undefined when none stands.
   */
  async take(gdb: MiConnection): Promise<MiTuple | undefined> {
    while (this.hits.length > 0) {
      const hit = this.hits.shift()!;
      if (switchesOf(hit.lwp) !== hit.switches) continue;
      const record = await stopRecordAt(gdb, hit.thread).catch(() => undefined);
      if (record) return record;
    }
    return undefined;
  }
}

/** The record of a breakpoint hit of `thread` where it stands (undefined: no breakpoint of the client's is there now). */
async function stopRecordAt(gdb: MiConnection, thread: number): Promise<MiTuple | undefined> {
  const [frame] = await mi.stackListFrames(gdb, thread, 0, 0);
  if (!frame?.addr || !/^0x/.test(frame.addr)) return undefined;
  const here = BigInt(frame.addr);
  const bkpt = (await mi.breakList(gdb)).find((b) => mi.codeAddresses(b).includes(here));
  if (!bkpt) return undefined;
  const tuple: MiTuple = { level: '0', addr: frame.addr };
  for (const key of ['func', 'file', 'fullname', 'from'] as const) if (frame[key] !== undefined) tuple[key] = frame[key]!;
  if (frame.line !== undefined) tuple.line = String(frame.line);
  return { reason: 'breakpoint-hit', disp: 'keep', bkptno: String(bkpt.number), frame: tuple, 'thread-id': String(thread), 'stopped-threads': 'all' };
}

/**
 * Re-execution between a landmark and a position of the timeline: the same
 * resume commands as the first time, on a restored program that gdb holds,
 * with none of the stops shown to the client. A Continue ends at the
 * position's place (its code address and stack depth, in its thread), at the
 * position's n-th arrival there; a step ends where the step ends (a
 * breakpoint hit on the way is gone past as a step the user made would be).
 * Every stop at one of the client's breakpoints on the way is told to the
 * caller: that is what Reverse Continue looks for.
 */
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { MiAsyncRecord, MiTuple } from '../gdb/miParser';
import { miNumber, miString, miTuple } from '../gdb/miParser';
import { StepRecovery } from './stepRecovery';
import { processOfLwp, switchesOf } from './pendingHits';
import { ReplayArrivals } from './replayArrivals';
import type { CountedHit } from './replayArrivals';
import type { StandingHit } from './standingHits';
import { orderedThreads } from './threadOrder';
import type { ThreadIds } from './threadOrder';
import { WatchedMemory } from './watchedMemory';
import type { Change } from './watchedMemory';
import type { Place, Position, ResumeCommand } from './stopTimeline';

/** A stop at one of the client's breakpoints during a replay. */
export interface ReplayedHit {
  /** The index of the position the replay was going to. */
  toward: number;
  /** Which stop at this place it was since the position before. */
  arrival: number;
  place: Place;
  /** It is that position itself. */
  isArrival: boolean;
}

/** A change of the watched memory during a replay: the `count`-th since the position before `toward`. */
export interface WatchedChange {
  toward: number;
  count: number;
  old: string;
  now: string;
}

/** Watched memory whose changes a replay tells (Find Last Change). */
export interface ReplayWatch {
  memory: WatchedMemory;
  onChange: (change: WatchedChange) => void;
}

export interface ReplayOutcome {
  /** Where the program stands now. */
  place?: Place;
  /** The replay was cancelled: it stopped at position `reached`. */
  cancelled?: boolean;
  /** What differed from the timeline, if anything (the replay stopped there). */
  divergence?: string;
  /** The index of the last position reached as recorded. */
  reached: number;
  /** Threads that stand at hits gdb reported on the way, which the timeline has after the arrival (standingHits.ts). */
  standing?: StandingHit[];
}

/** How long one replayed command may run before the replay gives up. */
const STOP_TIMEOUT_MS = 120000;
/** How long a Continue that keeps other processes stopped waits for a stop before it lets them run too. */
const HOLD_TIMEOUT_MS = 5000;
/** Stops gone past in one Continue before the replay gives up (a position never reached). */
const MAX_STOPS = 100000;

export class Replayer {
  /** Changes of this watchpoint are told as the replay goes. */
  watch?: ReplayWatch;
  /** Checked at each position reached: a cancelled replay stops at a stop of the timeline. */
  cancel?: { readonly cancelled: boolean };
  /** Changes of the watchpoint since the position before. */
  private watchCount = 0;

  /** `ids`: the engine's ids of the threads, what thread ordinals are counted by (threadOrder.ts). */
  constructor(private readonly gdb: MiConnection, private readonly nextStop: (timeoutMs: number) => Promise<MiAsyncRecord>, private readonly ids?: ThreadIds) {}

  placeOf(thread: number): Promise<Place> {
    return placeOf(this.gdb, thread, this.ids);
  }

  async threadOf(ordinal: number): Promise<number> {
    const threads = await orderedThreads(this.gdb, this.ids);
    const t = threads[ordinal] ?? threads[0];
    if (!t) throw new Error('the restored program has no thread');
    return t.id;
  }

  /** Replays `steps` in order; `onHit` hears of every stop at a client's breakpoint. */
  async replay(steps: { index: number; position: Position }[], from: number, onHit?: (hit: ReplayedHit) => void): Promise<ReplayOutcome> {
    let reached = from;
    let place: Place | undefined;
    const arrivals = new ReplayArrivals((thread) => this.runStateOf(thread), steps.map((s) => s.position));
    for (const [i, { index, position }] of steps.entries()) {
      if (this.cancel?.cancelled) return { reached, place, cancelled: true };
      const via = position.via;
      if (!via) return { reached, divergence: `no command is known that led to stop ${index}` };
      this.watchCount = 0;
      if (via.watch || via.kind !== 'continue') arrivals.resumed();
      const outcome = via.watch
        ? await this.watchTo(index, position, via.watch)
        : via.kind === 'continue'
          ? await this.continueTo(index, position, onHit, i === steps.length - 1, arrivals)
          : await this.stepTo(index, position, via, onHit);
      place = outcome.place;
      if (outcome.divergence) return { reached, place, divergence: outcome.divergence };
      reached = index;
    }
    return { reached, place, standing: await this.standingOf(arrivals) };
  }

  private async standingOf(arrivals: ReplayArrivals): Promise<StandingHit[]> {
    const standing: StandingHit[] = [];
    for (const h of arrivals.standing()) {
      if (!this.lwps.has(h.thread)) await this.runStateOf(h.thread);
      const lwp = this.lwps.get(h.thread);
      if (lwp !== undefined) standing.push({ thread: h.thread, lwp, switches: h.runState! });
    }
    return standing;
  }

  /** `last`: the replay ends there, and its whole place is read (the stops on the way are known well enough by address and depth). */
  private async continueTo(index: number, position: Position, onHit: ((hit: ReplayedHit) => void) | undefined, last: boolean, arrivals: ReplayArrivals): Promise<{ place?: Place; divergence?: string }> {
    const target = position.place;
    // gdb reported this stop's hit before the stop before, in another order than the first time: it stands there.
    const held = arrivals.begin(position);
    if (held) return this.arrive(index, position, held, { onHit, last, arrivals });
    const helper = await this.helperBreakpoint(target.pc, position.condition);
    try {
      const ordinals = new ThreadOrdinals(this.gdb, this.ids);
      const holding = { failed: false };
      for (let n = 0; n < MAX_STOPS; n++) {
        const r = await this.continueHolding(target, arrivals, holding);
        if (typeof r === 'string') return { divergence: r };
        // A change stopped at the place a breakpoint is set at counts as the hit gdb then skips.
        await this.noteWatch(r, index);
        const pc = miString(miTuple(r.frame)?.addr) ?? '';
        const bkpt = miString(r.reason) === 'breakpoint-hit' ? miNumber(r.bkptno) : undefined;
        const userHit = bkpt !== undefined && bkpt !== helper;
        if (!userHit && pc !== target.pc) continue;
        // Only what tells arrivals apart, per stop; the whole place where it is kept.
        const thread = miNumber(r['thread-id']) ?? 1;
        const here: Place = { threadOrdinal: await ordinals.of(thread), pc, depth: await mi.stackInfoDepth(this.gdb, thread) };
        const hit: CountedHit = { thread, place: here, userHit };
        const arrival = arrivals.stopped(hit, pc === target.pc);
        if (samePlace(here, target) && arrival === position.arrival) return this.arrive(index, position, hit, { onHit, last, arrivals });
        // Told at the arrival, unless it is a later position's (the thread stands there then, not run since).
        if (userHit && onHit) hit.place = await this.placeOf(thread);
        if (arrivals.mayHold(hit)) hit.runState = await this.runStateOf(thread);
        arrivals.passed(hit);
      }
      return { divergence: `stop ${index} was not reached again after ${MAX_STOPS} stops` };
    } finally {
      if (helper !== undefined) await mi.breakDelete(this.gdb, [helper]).catch(() => undefined);
    }
  }

  /**
   * The program stands at `position`'s place, `hit` there: the hits on the
   * way are told, then the arrival, unless the stops counted by thread
   * differ from the timeline's (the replay stops there, saying so).
   */
  private async arrive(index: number, position: Position, hit: CountedHit, to: { onHit?: (hit: ReplayedHit) => void; last: boolean; arrivals: ReplayArrivals }): Promise<{ place?: Place; divergence?: string }> {
    const place = to.last || (hit.userHit && to.onHit) ? await this.placeOf(hit.thread) : hit.place;
    for (const h of await to.arrivals.arrived()) to.onHit?.({ toward: index, arrival: h.arrival ?? 1, place: h.place, isArrival: false });
    const divergence = to.arrivals.mismatch(position, to.last);
    if (divergence) return { place, divergence };
    if (hit.userHit) to.onHit?.({ toward: index, arrival: position.arrival, place, isArrival: true });
    return { place };
  }

  /**
   * A Continue that keeps the processes stopped whose hits later positions
   * are (gdb reported them before this step's, in another order than the
   * first time): were they run, they would run past them. Only when every
   * process but the target's is held (gdb resumes one process or all); one
   * that does not stop soon may wait for a held one: then all run, and the
   * count of stops tells whether one ran past its own.
   */
  private async continueHolding(target: Place, arrivals: ReplayArrivals, holding: { failed: boolean }): Promise<MiTuple | string> {
    const thread = holding.failed ? undefined : await this.threadToHoldBy(target, arrivals.holding());
    if (thread === undefined) return this.run(() => mi.execContinue(this.gdb));
    await mi.gdbSet(this.gdb, 'schedule-multiple off');
    try {
      await mi.execContinue(this.gdb, { thread });
      return await this.awaitStop(HOLD_TIMEOUT_MS).catch(async () => {
        holding.failed = true;
        await mi.execInterrupt(this.gdb);
        return this.awaitStop();
      });
    } finally {
      await mi.gdbSet(this.gdb, 'schedule-multiple on');
    }
  }

  /** The thread a Continue that runs only the target's process is given, if every other process is held. */
  private async threadToHoldBy(target: Place, held: CountedHit[]): Promise<number | undefined> {
    if (held.length === 0) return undefined;
    const threads = await orderedThreads(this.gdb, this.ids);
    const processOf = (id: number): number | undefined => processOfLwp(mi.lwpOf(threads.find((t) => t.id === id)?.targetId ?? ''));
    const own = threads[target.threadOrdinal];
    const pid = own && processOf(own.id);
    const heldPids = new Set(held.map((h) => processOf(h.thread)));
    if (pid === undefined || heldPids.has(pid) || heldPids.has(undefined)) return undefined;
    const others = threads.map((t) => processOf(t.id)).filter((p) => p !== pid);
    return others.every((p) => heldPids.has(p)) ? own.id : undefined;
  }

  /** Threads' kernel ids, by gdb's id: what tells whether a thread ran (pendingHits.ts). */
  private lwps = new Map<number, number | undefined>();

  private async runStateOf(thread: number): Promise<string | undefined> {
    if (!this.lwps.has(thread)) this.lwps = new Map((await mi.threadInfo(this.gdb)).threads.map((t) => [t.id, mi.lwpOf(t.targetId)]));
    return switchesOf(this.lwps.get(thread));
  }

  /** Code addresses of the client's unconditional breakpoints, read once per replay (they do not change meanwhile). */
  private userAddresses?: Set<bigint>;

  /**
   * A breakpoint of the replay's own where the client has none at `pc` (it
   * may have been removed since), with the condition the stop was made on
   * (see stopConditionAt), so that arrivals count the same passes.
   */
  private async helperBreakpoint(pc: string, condition?: string): Promise<number | undefined> {
    if (!/^0x/.test(pc)) return undefined;
    if (!this.userAddresses) {
      this.userAddresses = new Set();
      for (const b of await mi.breakList(this.gdb)) {
        if (b.condition) continue;
        for (const a of mi.codeAddresses(b)) this.userAddresses.add(a);
      }
    }
    // An unconditional breakpoint of the client's stops at every pass; with a condition, only ours counts right.
    if (condition === undefined && this.userAddresses.has(BigInt(pc))) return undefined;
    return (await mi.breakInsert(this.gdb, { location: `*${pc}`, condition })).number;
  }

  private async stepTo(index: number, position: Position, via: ResumeCommand, onHit?: (hit: ReplayedHit) => void): Promise<{ place?: Place; divergence?: string }> {
    const thread = await this.threadOf(via.threadOrdinal);
    const steps = new StepRecovery();
    if (via.kind === 'next' || via.kind === 'stepIn' || via.kind === 'stepOut') await steps.begin(this.gdb, via.kind, thread);
    for (let i = 1; i < (via.repeat ?? 1); i++) {
      await stepCommand(this.gdb, via.kind, thread);
      const r = await this.awaitStop();
      if (typeof r === 'string') return { divergence: r };
      await this.noteWatch(r, index);
    }
    await stepCommand(this.gdb, via.kind, thread);
    for (let n = 0; n < MAX_STOPS; n++) {
      const r = await this.awaitStop();
      if (typeof r === 'string') return { divergence: r };
      const stopThread = miNumber(r['thread-id']) ?? thread;
      const place = await this.placeOf(stopThread);
      const reason = miString(r.reason) ?? '';
      const hit = reason === 'breakpoint-hit';
      const watched = !!this.watch?.memory.isTrigger(r);
      await this.noteWatch(r, index);
      // A position found by counting instructions is known only by that count.
      if (!position.place.pc || samePlace(place, position.place)) {
        if (hit) onHit?.({ toward: index, arrival: 1, place, isArrival: true });
        return { place };
      }
      // The watched memory changed in the middle of the step: the step goes on.
      if (watched && await steps.watchTriggered(this.gdb) === 'resumed') continue;
      // A breakpoint on the way: the step goes on as the user's step did (stepRecovery.ts).
      if (hit) onHit?.({ toward: index, arrival: 1, place, isArrival: false });
      const decision = hit ? await steps.skippedHit(this.gdb, stopThread) : await steps.stopped(this.gdb, reason, stopThread);
      if (decision !== 'resumed') {
        return { place, divergence: `the ${describeKind(via.kind)} ended at ${describePlace(place)}, not at ${describePlace(position.place)}` };
      }
    }
    return { divergence: `stop ${index} was not reached again` };
  }

  /** A Continue to the `count`-th change of `location` since the position before. */
  private async watchTo(index: number, position: Position, watch: { location: string; count: number }): Promise<{ place?: Place; divergence?: string }> {
    // The same memory watched by the replay already: one watchpoint for both (gdb would name only one at a stop).
    const shared = this.watch?.memory.location === watch.location ? this.watch.memory : undefined;
    const memory = shared ?? await WatchedMemory.set(this.gdb, watch.location);
    try {
      let seen = 0;
      for (let n = 0; n < MAX_STOPS; n++) {
        const r = await this.run(() => mi.execContinue(this.gdb));
        if (typeof r === 'string') return { divergence: r };
        const change = shared ? await this.noteWatch(r, index) : await memory.changeAt(this.gdb, r);
        if (!change || ++seen < watch.count) continue;
        if (!shared) await this.noteWatch(r, index);
        const place = await this.placeOf(miNumber(r['thread-id']) ?? 1);
        if (position.place.pc && !samePlace(place, position.place)) {
          return { place, divergence: `change ${watch.count} of ${watch.location} was at ${describePlace(place)}, not at ${describePlace(position.place)}` };
        }
        return { place };
      }
      return { divergence: `change ${watch.count} of ${watch.location} did not come again` };
    } finally {
      if (!shared) await memory.delete(this.gdb);
    }
  }

  /** Tells a change of the watched memory at this stop (and returns it). */
  private async noteWatch(r: MiTuple, toward: number): Promise<Change | undefined> {
    const watch = this.watch;
    const change = watch ? await watch.memory.changeAt(this.gdb, r) : undefined;
    if (change) watch!.onChange({ toward, count: ++this.watchCount, ...change });
    return change;
  }

  /** Runs `command` and waits for the stop; a string says why the replay cannot go on. */
  private async run(command: () => Promise<void>): Promise<MiTuple | string> {
    await command();
    return this.awaitStop();
  }

  /**
   * How many single instructions of the thread at `ordinal` lead from here to
   * `target` (undefined: not within `max`). The program is left there.
   */
  async instructionsTo(ordinal: number, target: Place, max: number): Promise<number | undefined> {
    const thread = await this.threadOf(ordinal);
    for (let n = 1; n <= max; n++) {
      await mi.execStepInstruction(this.gdb, thread);
      const r = await this.awaitStop();
      if (typeof r === 'string') return undefined;
      if (miString(miTuple(r.frame)?.addr) === target.pc && samePlace(await this.placeOf(thread), target)) return n;
    }
    return undefined;
  }

  private async awaitStop(timeoutMs = STOP_TIMEOUT_MS): Promise<MiTuple | string> {
    const r = (await this.nextStop(timeoutMs)).results;
    const reason = miString(r.reason) ?? '';
    if (reason.startsWith('exited')) return 'the program exited while it was run again';
    return r;
  }
}

/** Threads' places in the list a restore keeps (threadOrder.ts), read again only for a thread not seen before. */
class ThreadOrdinals {
  private known = new Map<number, number>();
  constructor(private readonly gdb: MiConnection, private readonly ids?: ThreadIds) {}

  async of(thread: number): Promise<number> {
    if (!this.known.has(thread)) {
      this.known = new Map((await orderedThreads(this.gdb, this.ids)).map((t, i) => [t.id, i]));
    }
    return this.known.get(thread) ?? 0;
  }
}

/** Where `thread` stands now. */
export async function placeOf(gdb: MiConnection, thread: number, ids?: ThreadIds): Promise<Place> {
  const [frame] = await mi.stackListFrames(gdb, thread, 0, 0);
  const depth = await mi.stackInfoDepth(gdb, thread);
  const threadOrdinal = await ordinalOf(gdb, thread, ids);
  return { threadOrdinal, pc: frame?.addr ?? '', depth, func: frame?.func, file: frame?.fullname ?? frame?.file, line: frame?.line };
}

export async function ordinalOf(gdb: MiConnection, thread: number, ids?: ThreadIds): Promise<number> {
  return Math.max(0, (await orderedThreads(gdb, ids)).findIndex((t) => t.id === thread));
}

/**
 * The condition a breakpoint stop at `pc` stopped on: gdb evaluates a
 * condition itself and shows only the passes where it held, so the n-th
 * arrival there counts only those. Undefined when a breakpoint without
 * condition is set there too (every pass stops); several conditions: any.
 */
export async function stopConditionAt(gdb: MiConnection, pc: string): Promise<string | undefined> {
  const at = await breakpointsAt(gdb, pc);
  if (at.length === 0 || at.some((b) => !b.condition)) return undefined;
  return [...new Set(at.map((b) => b.condition!))].map((c) => `(${c})`).join(' || ');
}

/** Whether one of the client's breakpoints (not a replay's own) is set at `pc`. */
export async function breakpointAt(gdb: MiConnection, pc: string): Promise<boolean> {
  return (await breakpointsAt(gdb, pc)).length > 0;
}

/** The client's breakpoints (gdb's list) inserted at code address `pc`. */
async function breakpointsAt(gdb: MiConnection, pc: string): Promise<mi.Breakpoint[]> {
  if (!/^0x/.test(pc)) return [];
  const here = BigInt(pc);
  return (await mi.breakList(gdb)).filter((b) => mi.codeAddresses(b).includes(here));
}

function stepCommand(gdb: MiConnection, kind: ResumeCommand['kind'], thread: number): Promise<void> {
  switch (kind) {
    case 'next': return mi.execNext(gdb, thread);
    case 'stepIn': return mi.execStep(gdb, thread);
    case 'stepOut': return mi.execFinish(gdb, { thread, frame: 0 });
    case 'nextInstruction': return mi.execNextInstruction(gdb, thread);
    case 'stepInstruction': return mi.execStepInstruction(gdb, thread);
    default: return mi.execContinue(gdb);
  }
}

export function samePlace(a: Place, b: Place): boolean {
  return a.threadOrdinal === b.threadOrdinal && a.pc === b.pc && a.depth === b.depth;
}

export function describePlace(p: Place): string {
  const where = p.file ? `${p.file.split('/').pop()}:${p.line}` : p.pc;
  return `${p.func ?? '??'} (${where}, pc ${p.pc}, ${p.depth} frames, thread #${p.threadOrdinal + 1})`;
}

function describeKind(kind: ResumeCommand['kind']): string {
  return { continue: 'Continue', next: 'Step Over', stepIn: 'Step In', stepOut: 'Step Out', nextInstruction: 'instruction step', stepInstruction: 'instruction step' }[kind];
}

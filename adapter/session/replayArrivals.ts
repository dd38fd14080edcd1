/**
 * The stops of a replay counted per thread and place since the landmark
 * (replayer.ts), against the timeline's. Processes that reach one breakpoint
 * at the same instant are reported by gdb in either order (it keeps the other
 * hits pending and reports them at the next resume without running anything),
 * so a hit reported first in a replay may be one that came after the stop the
 * replay goes to the first time: it belongs to a later position. Its thread,
 * not run since, still stands there: that later position is arrived at
 * without running the program. Counting by thread also checks an arrival: a
 * thread that stopped at a place more often than the timeline says ran past
 * a stop it made the first time (a round off, at the same code address and
 * depth), and the replay says so rather than arrive.
 */
import type { Place, Position } from './stopTimeline';

/** A stop of one thread during a replay. */
export interface CountedHit {
  /** gdb's id of the thread (the same for the whole replay). */
  thread: number;
  place: Place;
  /** At one of the client's breakpoints (not only the replay's own). */
  userHit: boolean;
  /** What tells whether the thread ran since (its context switches), read at the stop. */
  runState?: string;
  /** Which stop at its place it was in its step (set by `stopped`). */
  arrival?: number;
  /** Counted among the stops since the landmark (it was at the place its step went to). */
  counted?: boolean;
}

/** What tells whether a thread ran since a moment: unchanged while it is held stopped (undefined: unknown). */
export type RunState = (thread: number) => Promise<string | undefined>;

export function keyOf(p: Place): string {
  return `${p.threadOrdinal}:${p.pc}:${p.depth}`;
}

export class ReplayArrivals {
  /** Stops per thread and place since the landmark, at the place each step went to. */
  private readonly seen = new Map<string, number>();
  /** The same counted by the timeline's positions replayed so far, with the place of each. */
  private readonly expected = new Map<string, { count: number; place: Place }>();
  /** Hits reported before an arrival whose thread has not run since: later positions', perhaps. */
  private held: CountedHit[] = [];
  /** The step under way: its stops per thread and place (held ones first), and its hits that were not its arrival. */
  private local = new Map<string, number>();
  private others: CountedHit[] = [];

  /** `route`: the positions the replay goes through, whose places are the only ones a hit can be held for. */
  constructor(private readonly runState: RunState, route: Position[]) {
    this.wanted = new Set(route.map((p) => keyOf(p.place)));
  }

  private readonly wanted: Set<string>;

  /** Whether a hit may be a later position's arrival (what reading its run state is for). */
  mayHold(hit: CountedHit): boolean {
    return this.wanted.has(keyOf(hit.place));
  }

  /**
   * A Continue toward `position` begins. Returns the held hit that is its
   * arrival, when the program stands there already.
   */
  begin(position: Position): CountedHit | undefined {
    const key = keyOf(position.place);
    const before = this.expected.get(key)?.count ?? 0;
    this.expected.set(key, { count: before + position.arrival, place: position.place });
    this.local = new Map();
    this.others = [];
    for (const h of this.held) this.local.set(keyOf(h.place), (this.local.get(keyOf(h.place)) ?? 0) + 1);
    if (this.local.get(key) !== position.arrival) return undefined;
    const at = this.held.findIndex((h) => keyOf(h.place) === key);
    const [hit] = this.held.splice(at, 1);
    // Held at a place its own step did not go to: counted now, as the first time.
    if (!hit.counted) this.seen.set(key, (this.seen.get(key) ?? 0) + 1);
    hit.counted = true;
    return hit;
  }

  /** A stop of the step under way; `atTarget`: at the code address it goes to. Returns which arrival there in this step it is. */
  stopped(hit: CountedHit, atTarget: boolean): number {
    const key = keyOf(hit.place);
    const arrival = (this.local.get(key) ?? 0) + 1;
    this.local.set(key, arrival);
    hit.arrival = arrival;
    hit.counted = atTarget;
    if (atTarget) this.seen.set(key, (this.seen.get(key) ?? 0) + 1);
    return arrival;
  }

  /** A hit of the step under way that is not its arrival: told at the arrival, unless its thread is held then. */
  passed(hit: CountedHit): void {
    this.others.push(hit);
  }

  /**
   * The step arrived. The hits on its way whose threads have not run since
   * are held for the positions after it; the others are returned, to be told
   * as hits between the positions.
   */
  async arrived(): Promise<CountedHit[]> {
    const candidates = [...this.held, ...this.others];
    const fresh = new Set(this.others);
    const stillHeld = await Promise.all(candidates.map((h) => this.notRunSince(h)));
    this.held = candidates.filter((_, i) => stillHeld[i]);
    const gone = this.others.filter((h) => !this.held.includes(h));
    this.others = [];
    return gone.filter((h) => fresh.has(h));
  }

  /** The hits whose threads a Continue of the step under way should keep stopped: later positions' arrivals. */
  holding(): CountedHit[] {
    return [...this.held, ...this.others.filter((h) => h.runState !== undefined)];
  }

  /** The hits held when the replay ends: their threads stand there, later positions' arrivals (standingHits.ts). */
  standing(): CountedHit[] {
    return this.held.filter((h) => h.runState !== undefined);
  }

  /** A step or a watch resumed every thread: none stands at a hit of before. */
  resumed(): void {
    this.held = [];
    this.others = [];
  }

  /**
   * What differs between the stops counted and the timeline's, for the place
   * `position` stands at, or (`everyPlace`, at the end of a replay) for every
   * place the replay went to: a thread held at a later position's hit is not
   * past it.
   */
  mismatch(position: Position, everyPlace: boolean): string | undefined {
    const keys = everyPlace ? [...this.expected.keys()] : [keyOf(position.place)];
    for (const key of keys) {
      const expected = this.expected.get(key)!;
      const seen = (this.seen.get(key) ?? 0) - this.held.filter((h) => h.counted && keyOf(h.place) === key).length;
      if (seen !== expected.count) {
        return `thread #${expected.place.threadOrdinal + 1} stopped at ${where(expected.place)} ${times(seen)} since the snapshot, ` +
          `where the timeline has ${times(expected.count)}: a process ran ${seen > expected.count ? 'past a stop' : 'short of a stop'} it made the first time`;
      }
    }
    return undefined;
  }

  private async notRunSince(hit: CountedHit): Promise<boolean> {
    if (hit.runState === undefined) return false;
    return (await this.runState(hit.thread).catch(() => undefined)) === hit.runState;
  }
}

function where(p: Place): string {
  const at = p.file ? `${p.file.split('/').pop()}:${p.line}, ` : '';
  return `${p.func ?? '??'} (${at}pc ${p.pc}, ${p.depth} frames)`;
}

function times(n: number): string {
  return n === 1 ? 'once' : `${n} times`;
}

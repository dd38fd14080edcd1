/**
 * The timeline of a debug session: every stop the client was shown since the
 * program started is a position, reached from the one before by one resume
 * command (Continue, a step, with its thread); snapshots saved at a stop are
 * landmarks on it. Going back to a position means restoring the latest
 * landmark before it and replaying the commands in between (replayer.ts).
 * Pure: no gdb, no program.
 */

export type ResumeKind = 'continue' | 'next' | 'stepIn' | 'stepOut' | 'nextInstruction' | 'stepInstruction';

/** How the program went from one position to the next. */
export interface ResumeCommand {
  kind: ResumeKind;
  /** The thread, as its index in the list a restore keeps (threadOrder.ts: gdb's numbers change when a snapshot is restored). */
  threadOrdinal: number;
  /** An instruction step made this many times (Step Back by instruction lands between two stops). */
  repeat?: number;
  /**
   * A Continue that ends at the `count`-th change of the memory at `location`
   * (a gdb expression): where Find Last Change stopped, between two stops.
   */
  watch?: { location: string; count: number };
}

/** Where a thread stood at a stop: what an arrival is checked against. */
export interface Place {
  /** The stopped thread, as its index in the list a restore keeps (threadOrder.ts). */
  threadOrdinal: number;
  /** Code address of the top frame, as gdb writes it (0x...). */
  pc: string;
  /** Number of frames on the stopped thread's stack. */
  depth: number;
  func?: string;
  file?: string;
  line?: number;
}

export interface Position {
  /** How it was reached from the position before (absent for the first one). */
  via?: ResumeCommand;
  /**
   * Which stop at this place, counting from the position before, ends the
   * replay of a Continue: 1 unless going back found it among several.
   */
  arrival: number;
  place: Place;
  /** DAP's stop reason and description when it was first reached. */
  reason: string;
  description?: string;
  /** A snapshot saved exactly here. */
  landmark?: string;
  /** Other snapshots saved here (the user's beside the adapter's own landmark). */
  sameAs?: string[];
  /** Reached at a moment no replay can find again (a pause): replays cannot pass it. */
  unreplayable?: boolean;
  /** The client's breakpoints as they were at this stop (a number that changes with them). */
  epoch?: number;
  /** How long the program ran from the position before to this one, in ms (what replaying it costs). */
  ranMs?: number;
  /** A breakpoint stop on a condition (replayer.ts, stopConditionAt): arrivals count the passes where it held. */
  condition?: string;
}

/** A way back to a position: the landmark to restore and the positions to replay after it. */
export interface Route {
  from: number;
  landmark: string;
  steps: { index: number; position: Position }[];
}

export class StopTimeline {
  private positions: Position[] = [];
  /** The position the program stands at, or after (while it runs): -1 before any stop. */
  private cursor = -1;
  /** Whether the program stands exactly at positions[cursor]. */
  private atCursor = false;
  /** The command the program was last resumed with, until it stops. */
  private pending?: ResumeCommand;
  /** Changes whenever the client's breakpoints change. */
  private epoch = 0;
  /** Stops not shown since the last resume (skipped by a hit condition), by code address. */
  private passedAt = new Map<string, number>();

  get length(): number { return this.positions.length; }
  get current(): number { return this.cursor; }
  get standing(): boolean { return this.atCursor; }
  at(index: number): Position | undefined { return this.positions[index]; }
  list(): readonly Position[] { return this.positions; }

  /** The program was resumed by `command` from where it stood. */
  resumed(command: ResumeCommand | undefined): void {
    this.pending = this.atCursor ? command : undefined;
    this.atCursor = false;
    this.passedAt.clear();
  }

  /** The program stopped at `pc` and went on without the client seeing it: the next stop there is a later arrival. */
  passed(pc: string): void {
    this.passedAt.set(pc, (this.passedAt.get(pc) ?? 0) + 1);
  }

  /**
   * The program stopped at `place`: a new position after the current one (a
   * future left behind by going back is dropped: this is a new branch).
   * A stop after a resume that cannot be replayed (none recorded, a pause)
   * is marked so that no route passes it.
   */
  stopped(place: Place, reason: string, description?: string, more: { ranMs?: number; condition?: string } = {}): number {
    const via = this.cursor >= 0 ? this.pending : undefined;
    const position: Position = { arrival: 1 + (this.passedAt.get(place.pc) ?? 0), place, reason };
    if (via) position.via = via;
    if (more.ranMs !== undefined) position.ranMs = more.ranMs;
    if (more.condition !== undefined) position.condition = more.condition;
    if (description) position.description = description;
    if (this.cursor >= 0 && (!via || reason === 'pause')) position.unreplayable = true;
    return this.append(position);
  }

  /** A position found by going back, between `after` and the one after it: the future after it is dropped. */
  insertAfter(after: number, position: Position): number {
    this.cursor = after;
    return this.append(position);
  }

  /** The client set, changed or removed breakpoints. */
  breakpointsChanged(): void {
    this.epoch++;
  }

  /**
   * The last breakpoint stop before the current position when no breakpoint
   * changed since it: no hit can hide between it and now (the program would
   * have stopped there), so Reverse Continue needs no search. Undefined: a
   * search it is.
   */
  lastBreakpointStopUnchanged(isBreakpointReason: (reason: string) => boolean): number | undefined {
    if (!this.atCursor || this.positions[this.cursor]?.epoch !== this.epoch) return undefined;
    for (let i = this.cursor - 1; i >= 0; i--) {
      const p = this.positions[i];
      if (p.epoch !== this.epoch) return undefined;
      if (isBreakpointReason(p.reason)) return i;
    }
    return undefined;
  }

  private append(position: Position): number {
    position.epoch ??= this.epoch;
    this.positions = this.positions.slice(0, this.cursor + 1);
    this.positions.push(position);
    this.cursor = this.positions.length - 1;
    this.atCursor = true;
    this.pending = undefined;
    return this.cursor;
  }

  /**
   * A snapshot of the program standing at the current position was saved;
   * `preferred` (the user's own) becomes the one going back restores there.
   */
  landmark(id: string, preferred = false): boolean {
    if (!this.atCursor || this.cursor < 0) return false;
    const p = this.positions[this.cursor];
    if (p.landmark === undefined) p.landmark = id;
    else if (preferred) {
      (p.sameAs ??= []).unshift(p.landmark);
      p.landmark = id;
    } else (p.sameAs ??= []).push(id);
    return true;
  }

  /** A snapshot was deleted: it is no landmark any more (another one saved at the same stop takes its place). */
  forget(id: string): void {
    for (const p of this.positions) {
      p.sameAs = p.sameAs?.filter((other) => other !== id);
      if (p.landmark === id) p.landmark = p.sameAs?.shift();
      if (p.landmark === undefined) delete p.landmark;
      if (p.sameAs?.length === 0) delete p.sameAs;
    }
  }

  /** The program stands at `index` again (a route to it was replayed). */
  arrivedAt(index: number): void {
    this.cursor = index;
    this.atCursor = true;
    this.pending = undefined;
  }

  /** The program was restored to snapshot `id`: at its landmark, or at the start of a new timeline. */
  restoredTo(id: string, place: Place | undefined): void {
    const i = this.positions.findIndex((p) => p.landmark === id || !!p.sameAs?.includes(id));
    if (i >= 0) return this.arrivedAt(i);
    this.positions = [];
    this.cursor = -1;
    if (place) this.append({ arrival: 1, place, reason: 'restore', landmark: id });
    else this.atCursor = false;
  }

  /** The program started again from the beginning. */
  restart(): void {
    this.positions = [];
    this.cursor = -1;
    this.atCursor = false;
    this.pending = undefined;
  }

  /** The latest landmark at or before `target` from which every position up to it can be replayed. */
  routeTo(target: number): Route | undefined {
    return this.routesTo(target)[0];
  }

  /** Every landmark with a route to `target`, latest first. */
  routesTo(target: number): Route[] {
    const routes: Route[] = [];
    for (let i = Math.min(target, this.positions.length - 1); i >= 0; i--) {
      const p = this.positions[i];
      if (p.landmark !== undefined) {
        const steps = [];
        for (let j = i + 1; j <= target; j++) steps.push({ index: j, position: this.positions[j] });
        routes.push({ from: i, landmark: p.landmark, steps });
      }
      // A position no command leads to: nothing before it leads here.
      if (p.unreplayable || !p.via) break;
    }
    return routes;
  }

  /** How long the program ran from position `from` to position `to` (ms): what a replay between them re-executes. */
  ranBetween(from: number, to: number): number {
    let ms = 0;
    for (let i = from + 1; i <= to && i < this.positions.length; i++) ms += this.positions[i].ranMs ?? 0;
    return ms;
  }

  /** The position Step Back goes to: the one before the program's state. */
  previous(): number | undefined {
    const i = this.atCursor ? this.cursor - 1 : this.cursor;
    return i >= 0 ? i : undefined;
  }
}

/**
 * Time travel: saving snapshots of the debugged program (by hand, at every
 * stop, every N seconds), the history of them the program passed, and going
 * back: Step Back, Reverse Continue, restoring a snapshot. Saving and restoring
 * happen while gdb holds the program (Debuggee.hold): see heldSnapshot.ts for
 * the threads' way through the engine. Says what happened by events.
 */
import { EventEmitter } from 'events';
import { CkptError } from '../engine';
import type { SnapshotInfo } from '../engine';
import type { ListSnapshotsResult, SnapshotsChangedBody } from '../protocol';
import type { Computation } from './computation';
import type { Debuggee } from './debuggee';
import { releaseRestored, snapshotHeld } from './heldSnapshot';
import { SnapshotHistory } from './snapshotHistory';
import { Replayer, breakpointAt, ordinalOf, placeOf, stopConditionAt } from './replayer';
import type { ReplayedHit } from './replayer';
import { lastHitBefore } from './reverseSearch';
import { StopTimeline } from './stopTimeline';
import { engineThreadIds } from './threadOrder';
import type { ThreadIds } from './threadOrder';
import { LandmarkOptions, landmarkOptions, landmarkToDrop, needsLandmark } from './landmarkPolicy';
import { PendingHits } from './pendingHits';
import { StandingHits } from './standingHits';
import type { StandingHit } from './standingHits';
import type { MiTuple } from '../gdb/miParser';
import type { ResumeKind, Route } from './stopTimeline';
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { ThreadFrame } from '../gdb/gdbCommands';
import { findLastChange } from './lastChange';
import type { LastChange, TravelRoom } from './lastChange';
import { findFirst } from './firstMoment';
import type { Progress } from './progressReporter';
import { CancelledError, NEVER_CANCELLED } from './cancellation';
import { replayCoverage } from './replayCoverage';
import type { CancelSignal } from './cancellation';

/** Step Back by instruction counts single steps up to this many before it settles for the stop before. */
const MAX_INSTRUCTIONS_BACK = 20000;

/** DAP stop reasons of the client's code breakpoints: what Reverse Continue goes back to. */
const BREAKPOINT_REASONS = new Set(['breakpoint', 'function breakpoint', 'instruction breakpoint']);

/** A stop the replay arrived at, to show. */
interface Arrival { thread: number; reason: string; description: string }
/** Re-execution after a restore: `first` is the first thread of the process shown. */
type AfterRestore = (replayer: Replayer, gdb: MiConnection, first: number) => Promise<Arrival | undefined>;

export interface AutoSnapshotOptions {
  /** A snapshot at every stop the client sees (so that Step Back goes back one stop). */
  atStops?: boolean;
  /** A snapshot every N seconds while the program runs. */
  everySeconds?: number;
  /** Landmarks of the adapter's own, every N stops (landmarkPolicy.ts; default 20, 0: none). */
  landmarkEvery?: number;
  /** At most this many of them (default 20). */
  maxLandmarks?: number;
}

export interface TimeTravelEvents {
  snapshotsChanged: [body: SnapshotsChangedBody];
  /** The first snapshot exists: Step Back and Reverse Continue can be used. */
  canGoBack: [];
  /** A message for the debug console. */
  note: [text: string];
}

export class TimeTravel extends EventEmitter<TimeTravelEvents> {
  private readonly history = new SnapshotHistory();
  private readonly timeline = new StopTimeline();
  /** The virtual pid of the process shown stopped when each snapshot of this session was saved. */
  private readonly focus = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  /** A save or restore is under way: automatic snapshots wait for none, they are skipped. */
  private busy = false;
  private backAnnounced = false;
  private readonly landmarks?: LandmarkOptions;
  /** The landmarks the adapter took by itself, oldest first: the ones it may delete. */
  private ownLandmarks: string[] = [];
  /** Which breakpoint hits gdb keeps pending at a stop, for the landmarks and Save Snapshot. */
  private readonly pendingHits = new PendingHits();
  /** Threads a replay left standing at hits that come next (standingHits.ts). */
  private readonly standing = new StandingHits();
  /** gdb's id of the thread the last reported stop was of. */
  private lastStopThread?: number;
  /** `autoSnapshot` as an object (none for false). */
  private readonly auto: AutoSnapshotOptions;
  /** What thread ordinals are counted by: the engine's ids, which a restore keeps (threadOrder.ts). */
  private readonly threadIds: ThreadIds;

  /** `auto`: the launch configuration's `autoSnapshot`; false turns every automatic snapshot off, landmarks included. */
  constructor(private readonly debuggee: Debuggee, readonly computation: Computation, auto: AutoSnapshotOptions | boolean = {}) {
    super();
    this.landmarks = landmarkOptions(auto);
    this.auto = typeof auto === 'object' ? auto : {};
    this.threadIds = engineThreadIds(() => computation.processes());
    debuggee.on('passed', (pc) => this.timeline.passed(pc));
    // Snapshots taken from outside (the `ckpt` CLI on the same directory) show up too.
    computation.onSnapshot(() => { this.snapshotsChanged().catch(() => undefined); });
    const every = this.auto.everySeconds;
    if (typeof every === 'number' && every > 0) {
      this.timer = setInterval(() => { void this.timedSnapshot(); }, every * 1000);
      this.timer.unref();
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.computation.dispose();
  }

  // ---- going back ---------------------------------------------------------------------------

  /**
   * Step Back: to the stop before this one, by restoring the latest landmark
   * before it and re-executing up to it. Without a landmark that leads there,
   * to the last snapshot before the program's state.
   */
  stepBack(granularity?: 'statement' | 'line' | 'instruction', cancel: CancelSignal = NEVER_CANCELLED): Promise<void> {
    return this.computation.exclusive(async () => {
      cancel.check();
      const target = this.timeline.previous();
      if (target === undefined || !this.timeline.routeTo(target)) return this.restoreFromHistory(this.history.stepBackTarget());
      if (granularity === 'instruction' && this.timeline.standing) return this.instructionBack(target);
      return this.goTo(target, cancel);
    });
  }

  /**
   * Step Back by one instruction: the instructions from the stop before to
   * this one are counted by single steps in a replay, then the replay is made
   * again one instruction short. Over a long stretch, back to the stop before.
   */
  private async instructionBack(previous: number): Promise<void> {
    const now = this.timeline.current;
    const here = this.timeline.at(now)!;
    const via = here.via;
    let steps: number | undefined;
    if (via && (via.kind === 'stepInstruction' || via.kind === 'nextInstruction')) steps = via.repeat ?? 1;
    else {
      const route = this.timeline.routeTo(previous)!;
      await this.restore(route.landmark, async (replayer) => {
        const outcome = await replayer.replay(route.steps, route.from);
        if (!outcome.divergence) steps = await replayer.instructionsTo(here.place.threadOrdinal, here.place, MAX_INSTRUCTIONS_BACK);
        return undefined;
      }, false);
      if (steps === undefined) this.emit('note', `More than ${MAX_INSTRUCTIONS_BACK} instructions since the stop before: back to it.`);
    }
    if (steps === undefined || steps <= 1) return this.goTo(previous);
    const index = this.timeline.insertAfter(previous, {
      via: { kind: 'stepInstruction', threadOrdinal: here.place.threadOrdinal, repeat: steps - 1 },
      arrival: 1, place: { ...here.place, pc: '' }, reason: 'step',
    });
    return this.goTo(index);
  }

  /**
   * Reverse Continue: to the last hit before now of a breakpoint set now
   * (reverseSearch.ts), else to the earliest landmark that leads here.
   */
  reverseContinue(cancel: CancelSignal = NEVER_CANCELLED): Promise<void> {
    return this.computation.exclusive(async () => {
      cancel.check();
      const now = this.timeline.standing ? this.timeline.current : -1;
      const routes = now >= 0 ? this.timeline.routesTo(now).filter((r) => r.from < now) : [];
      if (routes.length === 0) return this.restoreFromHistory(this.history.reverseContinueTarget());
      const unchanged = this.timeline.lastBreakpointStopUnchanged((reason) => BREAKPOINT_REASONS.has(reason));
      if (unchanged !== undefined && this.timeline.routeTo(unchanged)) return this.goTo(unchanged, cancel);
      const found = await lastHitBefore(now, routes, (route, onHit) => this.scan(route, onHit, cancel));
      if (cancel.cancelled) {
        // A scan replaced the program: back to the stop the search began at.
        await this.goTo(now);
        throw new CancelledError();
      }
      if (!found) {
        const earliest = routes[routes.length - 1].from;
        this.emit('note', `No breakpoint set now was hit before this stop since stop ${earliest + 1}: back at it.`);
        return this.goTo(earliest, cancel);
      }
      if (found.index !== undefined) return this.goTo(found.index, cancel);
      const gdb = this.debuggee.gdbProcess;
      const condition = gdb ? await stopConditionAt(gdb, found.hit.place.pc).catch(() => undefined) : undefined;
      const index = this.timeline.insertAfter(found.hit.toward - 1, {
        via: { kind: 'continue', threadOrdinal: found.hit.place.threadOrdinal },
        arrival: found.hit.arrival, place: found.hit.place, reason: 'breakpoint', ...(condition !== undefined ? { condition } : {}),
      });
      return this.goTo(index, cancel);
    });
  }

  /** `ckpt/findLastChange` (lastChange.ts). */
  findLastChange(expression: string, at: ThreadFrame | undefined, progress: Progress): Promise<LastChange> {
    return this.computation.exclusive(() => findLastChange(this.room(), expression, at, progress));
  }

  /** `ckpt/findFirst` (firstMoment.ts). */
  findFirst(condition: string, at: ThreadFrame | undefined, progress: Progress): Promise<{ description: string }> {
    return this.computation.exclusive(() => findFirst(this.room(), condition, at, progress));
  }

  /** What the searches by watchpoint use of going back. */
  private room(): TravelRoom {
    return {
      timeline: this.timeline,
      gdb: this.debuggee.requireStopped(),
      replayFrom: (id, work) => this.restore(id, async (replayer, gdb) => { await work(replayer, gdb); return undefined; }, false),
      goTo: (target) => this.goTo(target),
    };
  }

  /** Restores a route's landmark and replays it up to its end, shown to nobody, telling its breakpoint hits. */
  private async scan(route: Route, onHit: (hit: ReplayedHit) => void, cancel: CancelSignal): Promise<void> {
    if (cancel.cancelled) return;
    const ordinal = this.timeline.at(route.from)?.place.threadOrdinal;
    await this.restore(route.landmark, async (replayer, gdb, first) => {
      replayer.cancel = cancel;
      // The thread shown stopped at the landmark.
      const place = await replayer.placeOf(ordinal === undefined ? first : await replayer.threadOf(ordinal));
      if (await breakpointAt(gdb, place.pc)) onHit({ toward: route.from, arrival: 1, place, isArrival: true });
      await replayer.replay(route.steps, route.from, onHit);
      return undefined;
    }, false);
  }

  /**
   * Goes to position `target` of the timeline: its landmark restored, the
   * stops after it replayed. Cancelled, it stops at the last stop replayed,
   * shown as such, and fails with CancelledError.
   */
  private async goTo(target: number, cancel: CancelSignal = NEVER_CANCELLED): Promise<void> {
    const route = this.timeline.routeTo(target);
    if (!route) throw new CkptError(`Stop ${target + 1} cannot be reached again: no snapshot leads there.`);
    if (route.steps.length === 0) {
      await this.restore(route.landmark);
      this.timeline.arrivedAt(target);
      return;
    }
    const position = this.timeline.at(target)!;
    let reached = route.from;
    let cancelled = false;
    let standing: StandingHit[] = [];
    await this.restore(route.landmark, async (replayer) => {
      replayer.cancel = cancel;
      const outcome = await replayer.replay(route.steps, route.from);
      reached = outcome.reached;
      cancelled = !!outcome.cancelled;
      if (!position.place.pc && outcome.place && !outcome.divergence) position.place = outcome.place;
      const thread = await replayer.threadOf(outcome.place?.threadOrdinal ?? position.place.threadOrdinal).catch(() => {
        // Nothing left to show: the re-executed program went another way, to its end.
        throw new CkptError(`Going back to stop ${target + 1} failed after stop ${reached + 1}: ${outcome.divergence ?? 'the program is gone'}. ` +
          replayCoverage(this.computation.replaysClock()));
      });
      if (cancelled) {
        const at = this.timeline.at(reached)!;
        return { thread, reason: at.reason, description: `Going back cancelled at stop ${reached + 1}` };
      }
      if (!outcome.divergence) standing = outcome.standing ?? [];
      if (outcome.divergence) {
        this.emit('note', `Going back to stop ${target + 1} diverged after stop ${reached + 1}: ${outcome.divergence}. The program stands where the re-execution stopped. ` +
          replayCoverage(this.computation.replaysClock()));
        return { thread, reason: 'step', description: 'Re-execution diverged' };
      }
      return { thread, reason: position.reason, description: position.description ?? `Back at stop ${target + 1} (re-executed from snapshot ${route.landmark})` };
    });
    this.timeline.arrivedAt(reached);
    this.standing.set(standing);
    if (cancelled) throw new CancelledError();
    if (reached !== target) this.timeline.resumed(undefined);
  }

  private async restoreFromHistory(target: { id: string } | undefined): Promise<void> {
    if (!target) {
      throw new CkptError(this.history.length === 0
        ? 'There is no snapshot to go back to: save one (or set "autoSnapshot": { "atStops": true }) first.'
        : 'There is no earlier stop to go back to: no earlier snapshot leads there.');
    }
    await this.restoreShown(target.id);
  }

  /** The DAP `restart` request naming a snapshot. */
  restoreSnapshot(id: string): Promise<void> {
    return this.computation.exclusive(() => this.restoreShown(id));
  }

  /** `ckpt/restoreSnapshot`: the list after it, with the snapshot restored from. */
  restoreAndList(id: string): Promise<ListSnapshotsResult> {
    return this.computation.exclusive(async () => {
      await this.restoreShown(id);
      return this.list();
    });
  }

  /** A restore the user asked for by snapshot: the timeline goes on from that snapshot's landmark. */
  private async restoreShown(id: string): Promise<void> {
    await this.restore(id);
    const thread = this.debuggee.lastStoppedThread;
    const gdb = this.debuggee.gdbProcess;
    const place = gdb && thread !== undefined ? await placeOf(gdb, thread, this.threadIds).catch(() => undefined) : undefined;
    this.timeline.restoredTo(id, place);
  }

  /**
   * Ends the current program and takes over snapshot `id`, restarted held for
   * the debugger: gdb attaches to each of its processes and brings every
   * thread to the instruction it was saved at; then `replay` may re-execute
   * it (its output kept from the client). The client is then told the program
   * stopped there (unless `show` is false), in the process that was shown
   * when it was saved, or where the replay arrived.
   * The computation's coordinator (ours, or the `ckpt launch` process) checks
   * the snapshot first: one it refuses leaves the program as it was.
   */
  private async restore(id: string, replay?: AfterRestore, show = true): Promise<void> {
    this.computation.store.manifest(id); // a clear error for an unknown id, before the program is touched
    this.busy = true;
    this.standing.clear();
    try {
      const { shown, arrival } = await this.debuggee.hold('restore', async (held) => {
        const { pids, focus, threads } = await held.replace(async (stdio, onReplacing) => {
          const restarted = await this.computation.restartHeld(id, stdio, onReplacing);
          // A restored process keeps its virtual pid: show the one that was shown when the snapshot was saved.
          const vpid = this.focus.get(id);
          const live = vpid === undefined ? [] : await this.computation.processes().catch(() => []);
          return { pids: restarted, focus: live.find((h) => h.vpid === vpid)?.pid };
        });
        await releaseRestored({ gdb: held.gdb, pids, signal: held.signal, threads, leaders: [], nextStop: held.nextStop });
        const pid = focus !== undefined && pids.includes(focus) ? focus : pids[0];
        if (!replay) return { shown: pid, arrival: undefined };
        const first = (await mi.threadInfo(held.gdb)).threads.find((t) => this.debuggee.pidOfThread(t.id) === pid)?.id ?? threads[0];
        const replayer = new Replayer(held.gdb, held.nextStop, this.threadIds);
        return { shown: pid, arrival: await this.debuggee.withOutputMuted(() => replay(replayer, held.gdb, first)) };
      });
      if (!show) return;
      if (arrival) await this.debuggee.showArrived(arrival.thread, arrival.reason, arrival.description);
      else await this.debuggee.showRestored(id, shown);
    } finally {
      this.busy = false;
    }
    this.history.restoredTo(id);
    // Re-executed past the snapshot: no longer at it.
    if (replay) this.history.moved();
    await this.snapshotsChanged();
  }

  // ---- saving ------------------------------------------------------------------------------

  /** `ckpt/saveSnapshot`: a snapshot of the program as it is, stopped or running. */
  saveSnapshot(label: string | undefined): Promise<SnapshotInfo> {
    return this.computation.exclusive(async () => {
      const running = this.debuggee.isRunning;
      if (!running) await this.refuseWhereHitKept();
      return this.save(label || undefined, 'manual', running);
    });
  }

  /**
   * A stop where gdb keeps another process's breakpoint hit (pendingHits.ts):
   * a snapshot would wait for that process in vain, so it is refused, saying
   * what to do. Known only once a stop has been reported.
   */
  private async refuseWhereHitKept(): Promise<void> {
    const gdb = this.debuggee.gdbProcess;
    if (!gdb || this.lastStopThread === undefined || this.debuggee.liveProcesses() < 2) return;
    const kept = await this.pendingHits.keptAt(gdb, this.lastStopThread, (t) => this.debuggee.pidOfThread(t)).catch(() => false);
    if (kept) {
      throw new CkptError('another process has reached a breakpoint that gdb has not reported yet, and a snapshot here ' +
        'would wait for it: Continue once (gdb then reports that hit), and save there');
    }
  }

  /**
   * A stop is about to be reported: a position of the timeline, and the
   * automatic snapshot of that stop. `thread` is the stopped thread.
   */
  async beforeStopReported(reason: string, thread: number, description?: string): Promise<void> {
    this.lastStopThread = thread;
    const ranMs = this.debuggee.takeRunMs();
    const gdb = this.debuggee.gdbProcess;
    const place = gdb ? await placeOf(gdb, thread, this.threadIds).catch(() => undefined) : undefined;
    const condition = gdb && place && reason === 'breakpoint' ? await stopConditionAt(gdb, place.pc).catch(() => undefined) : undefined;
    const index = place ? this.timeline.stopped(place, reason, description, { ranMs, condition }) : undefined;
    if (!place) this.timeline.resumed(undefined);
    if (this.busy) return;
    const from = index !== undefined ? this.timeline.routeTo(index)?.from : undefined;
    const ran = index !== undefined && from !== undefined ? this.timeline.ranBetween(from, index) : 0;
    if (this.auto.atStops) {
      await this.computation.exclusive(() => this.save(`auto: ${reason}`, reason, false));
    } else if (this.landmarks && index !== undefined && reason !== 'exception') {
      // Looked at every stop of several processes: it also learns which hits gdb reported (pendingHits.ts).
      const kept = gdb && this.debuggee.liveProcesses() > 1
        ? await this.pendingHits.keptAt(gdb, thread, (t) => this.debuggee.pidOfThread(t)).catch(() => true)
        : false;
      // Not at a signal's stop: the snapshot's own signal would take the place of the one the user inspects there.
      // Nor where gdb keeps another process's hit: the snapshot would wait for that process in vain; the next stop has it.
      if (needsLandmark(this.landmarks, index, from, ran) && !kept) {
        await this.computation.exclusive(() => this.saveLandmark(this.landmarks!));
      }
    }
  }

  /** A landmark of the adapter's own here; the oldest surplus ones, and those of abandoned branches, go. */
  private async saveLandmark(options: LandmarkOptions): Promise<void> {
    const snapshot = await this.save('auto: landmark', 'landmark', false);
    this.ownLandmarks.push(snapshot.id);
    const positions = this.timeline.list();
    const indexOf = (id: string): number => positions.findIndex((p) => p.landmark === id || !!p.sameAs?.includes(id));
    const gone = this.ownLandmarks.filter((id) => indexOf(id) < 0);
    this.ownLandmarks = this.ownLandmarks.filter((id) => indexOf(id) >= 0).sort((a, b) => indexOf(a) - indexOf(b));
    for (let drop = landmarkToDrop(this.ownLandmarks.map(indexOf), this.timeline.current, options.max); drop !== undefined;
      drop = landmarkToDrop(this.ownLandmarks.map(indexOf), this.timeline.current, options.max)) {
      gone.push(...this.ownLandmarks.splice(drop, 1));
    }
    for (const id of gone) {
      try {
        this.computation.store.delete(id);
      } catch {
        // Deleted from outside already.
      }
      this.history.forget(id);
      this.timeline.forget(id);
    }
    if (gone.length > 0) await this.snapshotsChanged();
  }

  /**
   * The user resumed the program with `kind` in `thread` (a command that
   * going back can replay), or otherwise (undefined): it is no longer at a
   * stop of the timeline nor at a snapshot of the history.
   */
  async resumed(gdb?: MiConnection, command?: { kind: ResumeKind; thread: number }): Promise<void> {
    this.history.moved();
    this.debuggee.takeRunMs(); // what ran before is no part of this stretch
    if (!gdb || !command) return this.timeline.resumed(undefined);
    const threadOrdinal = await ordinalOf(gdb, command.thread, this.threadIds).catch(() => undefined);
    this.timeline.resumed(threadOrdinal === undefined ? undefined : { kind: command.kind, threadOrdinal });
  }

  /**
   * The stop a Continue or a step by the user in `thread` shows without
   * resuming anything, when going back left a thread standing at a hit that
   * comes next (standingHits.ts): its record, the program then taken as
   * resumed by a Continue (which reaches that hit again, as gdb reports a
   * kept hit before it runs anything).
   */
  async standingStop(gdb: MiConnection, thread: number): Promise<MiTuple | undefined> {
    const record = await this.standing.take(gdb);
    if (record) await this.resumed(gdb, { kind: 'continue', thread });
    return record;
  }

  /** The client's breakpoints changed: Reverse Continue searches the stretches run before. */
  breakpointsChanged(): void {
    this.timeline.breakpointsChanged();
  }

  /** The program started again from the beginning: a new timeline. */
  restarted(): void {
    this.history.moved();
    this.standing.clear();
    this.timeline.restart();
  }

  private async timedSnapshot(): Promise<void> {
    if (this.busy || !this.debuggee.isRunning) return;
    try {
      await this.computation.exclusive(() => this.debuggee.isRunning ? this.save('auto: timer', 'timer', true) : Promise.resolve(undefined));
    } catch (err) {
      this.emit('note', `Automatic snapshot failed: ${(err as Error).message}`);
    }
  }

  /**
   * A snapshot while every thread of the program passes through the engine
   * and comes back exactly where it was. A running program is paused for it
   * and then resumed; a stopped one stays stopped.
   */
  private async save(label: string | undefined, reason: string, running: boolean): Promise<SnapshotInfo> {
    this.busy = true;
    try {
      const stoppedPid = running ? undefined : this.debuggee.stoppedPid;
      const snapshot = await this.debuggee.hold('snapshot', async (held) => {
        const { threads, leaders } = await held.threads();
        const ctx = { gdb: held.gdb, pids: held.pids(), signal: held.signal, threads, leaders, nextStop: held.nextStop };
        const saved = await snapshotHeld(ctx, (sent) => this.computation.checkpointHeld(label, sent));
        if (!running && held.pids().length > 1) await this.pendingHits.settleAll(held.gdb);
        return saved;
      });
      this.history.record({ id: snapshot.id, reason });
      if (!running) this.timeline.landmark(snapshot.id, reason === 'manual');
      if (stoppedPid !== undefined) {
        const vpid = (await this.computation.processes().catch(() => [])).find((h) => h.pid === stoppedPid)?.vpid;
        if (vpid !== undefined) this.focus.set(snapshot.id, vpid);
      }
      if (running) this.history.moved();
      if (!this.backAnnounced) {
        this.backAnnounced = true;
        this.emit('canGoBack');
      }
      return snapshot;
    } finally {
      this.busy = false;
    }
  }

  // ---- the list ----------------------------------------------------------------------------

  /** `ckpt/listSnapshots`: after any save or restore under way. */
  listSnapshots(): Promise<ListSnapshotsResult> {
    return this.computation.exclusive(() => this.list());
  }

  private async list(): Promise<ListSnapshotsResult> {
    const result: ListSnapshotsResult = { snapshots: this.computation.store.list() };
    const restoredFrom = await this.computation.restoredFrom().catch(() => undefined);
    if (restoredFrom !== undefined) result.restoredFrom = restoredFrom;
    return result;
  }

  /** A deleted snapshot leaves the history too. */
  deleteSnapshot(id: string): Promise<ListSnapshotsResult> {
    return this.computation.exclusive(async () => {
      this.computation.store.delete(id);
      this.history.forget(id);
      this.timeline.forget(id);
      await this.snapshotsChanged();
      return this.list();
    });
  }

  renameSnapshot(id: string, label: string): Promise<SnapshotInfo> {
    return this.computation.exclusive(async () => {
      const snapshot = this.computation.store.rename(id, label);
      await this.snapshotsChanged();
      return snapshot;
    });
  }

  private async snapshotsChanged(): Promise<void> {
    this.emit('snapshotsChanged', await this.list());
  }
}

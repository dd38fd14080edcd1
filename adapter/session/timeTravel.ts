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

export interface AutoSnapshotOptions {
  /** A snapshot at every stop the client sees (so that Step Back goes back one stop). */
  atStops?: boolean;
  /** A snapshot every N seconds while the program runs. */
  everySeconds?: number;
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
  /** The virtual pid of the process shown stopped when each snapshot of this session was saved. */
  private readonly focus = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  /** A save or restore is under way: automatic snapshots wait for none, they are skipped. */
  private busy = false;
  private backAnnounced = false;

  constructor(private readonly debuggee: Debuggee, readonly computation: Computation, private readonly auto: AutoSnapshotOptions = {}) {
    super();
    // Snapshots taken from outside (the `ckpt` CLI on the same directory) show up too.
    computation.onSnapshot(() => { this.snapshotsChanged().catch(() => undefined); });
    const every = auto.everySeconds;
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

  /** Step Back: the last snapshot before the program's state. */
  stepBack(): Promise<void> {
    return this.goBack(this.history.stepBackTarget());
  }

  /** Reverse Continue: the last earlier breakpoint stop, else the first snapshot. */
  reverseContinue(): Promise<void> {
    return this.goBack(this.history.reverseContinueTarget());
  }

  private async goBack(target: { id: string } | undefined): Promise<void> {
    if (!target) {
      throw new CkptError(this.history.length === 0
        ? 'There is no snapshot to go back to: save one (or set "autoSnapshot": { "atStops": true }) first.'
        : 'There is no earlier snapshot to go back to.');
    }
    await this.computation.exclusive(() => this.restore(target.id));
  }

  /** The DAP `restart` request naming a snapshot. */
  restoreSnapshot(id: string): Promise<void> {
    return this.computation.exclusive(() => this.restore(id));
  }

  /** `ckpt/restoreSnapshot`: the list after it, with the snapshot restored from. */
  restoreAndList(id: string): Promise<ListSnapshotsResult> {
    return this.computation.exclusive(async () => {
      await this.restore(id);
      return this.list();
    });
  }

  /**
   * Ends the current program and takes over snapshot `id`, restarted held for
   * the debugger: gdb attaches to each of its processes and brings every
   * thread to the instruction it was saved at; the client is then told the
   * program stopped there, in the process that was shown when it was saved.
   * The computation's coordinator (ours, or the `ckpt launch` process) checks
   * the snapshot first: one it refuses leaves the program as it was.
   */
  private async restore(id: string): Promise<void> {
    this.computation.store.manifest(id); // a clear error for an unknown id, before the program is touched
    this.busy = true;
    try {
      const shown = await this.debuggee.hold('restore', async (held) => {
        const { pids, focus, threads } = await held.replace(async (stdio, onReplacing) => {
          const restarted = await this.computation.restartHeld(id, stdio, onReplacing);
          // A restored process keeps its virtual pid: show the one that was shown when the snapshot was saved.
          const vpid = this.focus.get(id);
          const live = vpid === undefined ? [] : await this.computation.processes().catch(() => []);
          return { pids: restarted, focus: live.find((h) => h.vpid === vpid)?.pid };
        });
        await releaseRestored({ gdb: held.gdb, pids, signal: held.signal, threads, leaders: [], nextStop: held.nextStop });
        return focus !== undefined && pids.includes(focus) ? focus : pids[0];
      });
      await this.debuggee.showRestored(id, shown);
    } finally {
      this.busy = false;
    }
    this.history.restoredTo(id);
    await this.snapshotsChanged();
  }

  // ---- saving ------------------------------------------------------------------------------

  /** `ckpt/saveSnapshot`: a snapshot of the program as it is, stopped or running. */
  saveSnapshot(label: string | undefined): Promise<SnapshotInfo> {
    return this.computation.exclusive(() => this.save(label || undefined, 'manual', this.debuggee.isRunning));
  }

  /** A stop is about to be reported: the automatic snapshot of that stop. */
  async beforeStopReported(reason: string): Promise<void> {
    if (!this.auto.atStops || this.busy) return;
    await this.computation.exclusive(() => this.save(`auto: ${reason}`, reason, false));
  }

  /** The user resumed the program: it is no longer at a snapshot of the history. */
  resumed(): void {
    this.history.moved();
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
        return snapshotHeld(ctx, (sent) => this.computation.checkpointHeld(label, sent));
      });
      this.history.record({ id: snapshot.id, reason });
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

/**
 * The `ckpt/*` requests that need no stop-time exactness: listing, deleting and
 * renaming snapshots, and the resource tables (live, or of a snapshot).
 */
import type { StdioOptions } from 'child_process';
import { CkptError, liveTablesFromProc } from '../engine';
import type {
  SaveSnapshotArgs, SaveSnapshotResult, RestoreSnapshotArgs, DeleteSnapshotArgs, ListSnapshotsResult, RenameSnapshotArgs, ResourcesArgs, ResourcesResult,
  SnapshotsChangedBody, InspectSnapshotArgs, InspectSnapshotResult,
} from '../protocol';
import { Events, Requests, ViewRequests } from '../protocol';
import type { SnapshotInfo } from '../engine';
import type { CustomRequestHandler, RestartedProgram } from './ckptDebugSession';
import type { Computation } from './computation';
import { SnapshotHistory } from './snapshotHistory';
import { viewSnapshot } from './snapshotViewer';

/** What the handler needs to know about the debug session. */
export interface SessionView {
  /** gdb holds the program stopped: the engine cannot answer until it runs. */
  readonly isStopped: boolean;
  /** Runs a held checkpoint with every thread of the program passing through the engine. */
  whileHeld<T>(checkpoint: (ordersSent: () => void) => Promise<T>): Promise<T>;
  /**
   * Replaces the program by a restarted snapshot and takes it over. `restart`
   * is given the stdio for it and a callback to call once the snapshot passed
   * its check (the program of now is killed then); it returns the new pids
   * and the one whose stop to show.
   */
  restoreHeld(snapshotId: string, restart: (stdio: StdioOptions, onReplacing: () => void) => Promise<RestartedProgram>): Promise<void>;
  /** The process of the thread the client was last shown stopped (a restore shows the same process stopped). */
  readonly stoppedPid?: number;
  /** The program runs (started, not stopped, not exited). */
  readonly isRunning: boolean;
  /** Tells the client that Step Back and Reverse Continue can be used now. */
  enableStepBack(): void;
  /** A message for the debug console. */
  note(text: string): void;
  /** The launched program (for the symbols of a snapshot looked at without restoring it). */
  readonly program?: string;
  readonly gdbPath?: string;
}

export interface AutoSnapshotOptions {
  /** A snapshot at every stop the client sees (so that Step Back goes back one stop). */
  atStops?: boolean;
  /** A snapshot every N seconds while the program runs. */
  everySeconds?: number;
}

export type EventSink = (event: string, body: unknown) => void;

const HANDLED: ReadonlySet<string> = new Set([
  Requests.saveSnapshot, Requests.restoreSnapshot, Requests.listSnapshots, Requests.deleteSnapshot, Requests.renameSnapshot, Requests.resources,
  ViewRequests.inspectSnapshot,
]);

export class SnapshotRequests implements CustomRequestHandler {
  private readonly history = new SnapshotHistory();
  /** The virtual pid of the process shown stopped when each snapshot of this session was saved. */
  private readonly focus = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private busy = false;
  /**
   * One request at a time: a status order sent while threads pass through the
   * engine for a snapshot would be a second signal in the middle of it.
   */
  private chain: Promise<unknown> = Promise.resolve();

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  constructor(
    private readonly computation: Computation,
    private readonly session: SessionView,
    private readonly emit: EventSink,
    private readonly auto: AutoSnapshotOptions = {},
  ) {
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

  /** Called before a stop is reported: the automatic snapshot of that stop. */
  async beforeStopReported(reason: string): Promise<void> {
    if (!this.auto.atStops || this.busy) return;
    await this.exclusive(() => this.save(`auto: ${reason}`, reason, false));
  }

  /** The user resumed the program. */
  resumed(): void {
    this.history.moved();
  }

  /** Step Back / Reverse Continue: restores the snapshot the history names. */
  async travel(kind: 'stepBack' | 'reverseContinue'): Promise<void> {
    const target = kind === 'stepBack' ? this.history.stepBackTarget() : this.history.reverseContinueTarget();
    if (!target) {
      throw new CkptError(this.history.length === 0
        ? 'There is no snapshot to go back to: save one (or set "autoSnapshot": { "atStops": true }) first.'
        : 'There is no earlier snapshot to go back to.');
    }
    await this.exclusive(() => this.restore(target.id));
  }

  private async timedSnapshot(): Promise<void> {
    if (this.busy || !this.session.isRunning) return;
    try {
      await this.exclusive(() => this.session.isRunning ? this.save('auto: timer', 'timer', true) : Promise.resolve(undefined));
    } catch (err) {
      this.session.note(`Automatic snapshot failed: ${(err as Error).message}`);
    }
  }

  /** A snapshot of the program as it is (stopped, or paused for it while running). */
  private async save(label: string | undefined, reason: string, running: boolean): Promise<SnapshotInfo> {
    this.busy = true;
    try {
      const stoppedPid = running ? undefined : this.session.stoppedPid;
      const snapshot = await this.session.whileHeld((sent) => this.computation.checkpointHeld(label, sent));
      this.history.record({ id: snapshot.id, reason });
      if (stoppedPid !== undefined) {
        const vpid = (await this.computation.processes().catch(() => [])).find((h) => h.pid === stoppedPid)?.vpid;
        if (vpid !== undefined) this.focus.set(snapshot.id, vpid);
      }
      if (running) this.history.moved();
      this.session.enableStepBack();
      return snapshot;
    } finally {
      this.busy = false;
    }
  }

  private async restore(id: string): Promise<void> {
    this.computation.store.manifest(id); // a clear error for an unknown id, before the program is touched
    this.busy = true;
    try {
      await this.session.restoreHeld(id, async (stdio, onReplacing) => {
        const pids = await this.computation.restartHeld(id, stdio, onReplacing);
        // A restored process keeps its virtual pid: show the one that was shown when the snapshot was saved.
        const vpid = this.focus.get(id);
        const focus = vpid === undefined ? undefined : (await this.computation.processes().catch(() => [])).find((h) => h.vpid === vpid)?.pid;
        return { pids, focus };
      });
    } finally {
      this.busy = false;
    }
    this.history.restoredTo(id);
    await this.snapshotsChanged();
  }

  handles(command: string): boolean {
    return HANDLED.has(command);
  }

  handle(command: string, args: unknown): Promise<unknown> {
    // Looking at a snapshot reads files only: it need not wait for a save or restore in progress.
    if (command === ViewRequests.inspectSnapshot) return this.inspectSnapshot(args);
    return this.exclusive(() => this.handleNow(command, args));
  }

  /** The DAP `restart` request with a snapshot: the same as `ckpt/restoreSnapshot`. */
  restoreSnapshot(id: string): Promise<void> {
    return this.exclusive(() => this.restore(requireString(id, 'snapshot')));
  }

  private async inspectSnapshot(args: unknown): Promise<InspectSnapshotResult> {
    const { id } = (args ?? {}) as Partial<InspectSnapshotArgs>;
    return viewSnapshot(this.computation.store, requireString(id, 'id'), { program: this.session.program, gdbPath: this.session.gdbPath });
  }

  private async handleNow(command: string, args: unknown): Promise<unknown> {
    const a = (args ?? {}) as Record<string, unknown>;
    switch (command) {
      case Requests.saveSnapshot: {
        const { label } = a as SaveSnapshotArgs;
        if (label !== undefined) requireString(label, 'label', true);
        const snapshot = await this.save(label || undefined, 'manual', this.session.isRunning);
        return { snapshot } satisfies SaveSnapshotResult;
      }
      case Requests.restoreSnapshot: {
        const { id } = a as Partial<RestoreSnapshotArgs>;
        await this.restore(requireString(id, 'id'));
        return this.list();
      }
      case Requests.listSnapshots:
        return this.list();
      case Requests.deleteSnapshot: {
        const { id } = a as Partial<DeleteSnapshotArgs>;
        this.computation.store.delete(requireString(id, 'id'));
        this.history.forget(id!);
        await this.snapshotsChanged();
        return this.list();
      }
      case Requests.renameSnapshot: {
        const { id, label } = a as Partial<RenameSnapshotArgs>;
        const snapshot: SnapshotInfo = this.computation.store.rename(requireString(id, 'id'), requireString(label, 'label', true));
        await this.snapshotsChanged();
        return { snapshot };
      }
      case Requests.resources: {
        const { snapshot } = a as ResourcesArgs;
        if (snapshot !== undefined) {
          return (await this.computation.store.inspect(requireString(snapshot, 'snapshot'))).tables satisfies ResourcesResult;
        }
        return this.liveTables();
      }
      default:
        throw new CkptError(`unknown request ${command}`);
    }
  }

  private async list(): Promise<ListSnapshotsResult> {
    const result: ListSnapshotsResult = { snapshots: this.computation.store.list() };
    const restoredFrom = await this.computation.restoredFrom().catch(() => undefined);
    if (restoredFrom !== undefined) result.restoredFrom = restoredFrom;
    return result;
  }

  private async snapshotsChanged(): Promise<void> {
    const body: SnapshotsChangedBody = await this.list();
    this.emit(Events.snapshotsChanged, body);
  }

  private async liveTables(): Promise<ResourcesResult> {
    const hellos = await this.computation.processes();
    if (hellos.length === 0) throw new CkptError('no program is running under the checkpoint engine');
    if (!this.session.isStopped) return this.computation.status();
    // gdb holds every thread: the engine's handler cannot run to answer, so the tables come from /proc.
    return liveTablesFromProc(hellos);
  }
}

function requireString(v: unknown, name: string, allowEmpty = false): string {
  if (typeof v !== 'string' || (!allowEmpty && v === '')) throw new CkptError(`"${name}" must be a${allowEmpty ? '' : ' non-empty'} string`);
  return v;
}

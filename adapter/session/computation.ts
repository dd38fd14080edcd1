/**
 * The computation a session debugs, as the `ckpt/*` requests see it: its
 * snapshot store, its live processes and their resource tables (the Resources
 * view's data), one engine order at a time. Either the session's
 * own coordinator (launch) or the coordinator of a `ckpt launch` reached
 * through its control socket (attach).
 */
import type { StdioOptions } from 'child_process';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import type { Coordinator, EngineHello, ResourceTables, SnapshotInfo } from '../engine';
import { CkptError, SnapshotStore, ctlCheckpoint, ctlInfo, ctlRestore, ctlStatus, liveTablesFromProc, withMpiRanks } from '../engine';

export abstract class Computation {
  abstract readonly store: SnapshotStore;
  /** Whether a restored program reads its recorded clock and random values again (undefined: not known). */
  replaysClock(): boolean | undefined { return undefined; }
  abstract restoredFrom(): Promise<string | undefined>;
  abstract processes(): Promise<EngineHello[]>;
  /** Tables from the engine itself: needs the program running. */
  abstract status(): Promise<ResourceTables>;
  /**
   * Saves a snapshot of a program that gdb holds: the engine gets its order
   * without a signal (the debugger queues it on every thread) and every thread
   * returns through the hold trap.
   */
  abstract checkpointHeld(label: string | undefined, onOrdersSent: () => void): Promise<SnapshotInfo>;
  /**
   * Replaces the computation by snapshot `id`, held for a debugger
   * (`ckpt-restore --hold`), with the given stdio where the session chooses it
   * (attached, the program keeps the terminal of its `ckpt launch`). The
   * snapshot is checked first: on a problem nothing is touched. Then
   * `onReplacing` is called (the debugger kills the processes it holds) and
   * the processes of now are killed. Resolves with the pids of the restored
   * processes, the root first, once each has connected.
   */
  abstract restartHeld(id: string, stdio: StdioOptions, onReplacing: () => void): Promise<number[]>;
  /** Called when a snapshot is completed by anyone. */
  abstract onSnapshot(listener: () => void): void;
  abstract dispose(): void;

  /**
   * One order at a time: a status order sent while threads pass through the
   * engine for a snapshot would be a second signal in the middle of it.
   */
  private chain: Promise<unknown> = Promise.resolve();

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * The resource tables of snapshot `snapshot`, or of the live program: from
   * the engine while the program runs; from /proc while a debugger holds every
   * thread (the engine's handler cannot run to answer then). Whether it does is
   * asked when the tables are read: a request that waited for a restore finds
   * the restored program stopped.
   */
  tables(snapshot: string | undefined, heldByDebugger: () => boolean, debuggedPids: () => number[] = () => []): Promise<ResourceTables> {
    return this.exclusive(async () => {
      if (snapshot !== undefined) return (await this.store.inspect(snapshot)).tables;
      const hellos = await this.hellosOf(debuggedPids);
      if (hellos.length === 0) throw new CkptError('no program is running under the checkpoint engine');
      return withMpiRanks(heldByDebugger() ? liveTablesFromProc(hellos) : await this.status());
    });
  }

  /**
   * The processes' hellos, once those of the processes the debugger knows
   * have come (at most `waitMs`). Each hello travels on its own connection:
   * a request can reach the coordinator before the hello of a process gdb
   * already holds at its first stop, which a busy machine shows.
   */
  async hellosOf(debuggedPids: () => number[], waitMs = 5000): Promise<EngineHello[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const hellos = await this.processes();
      const seen = new Set(hellos.map((h) => h.pid));
      const complete = hellos.length > 0 && debuggedPids().every((pid) => seen.has(pid));
      if (complete || Date.now() >= deadline) return hellos;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

export class OwnCoordinator extends Computation {
  constructor(private readonly coordinator: Coordinator) { super(); }
  get store(): SnapshotStore { return this.coordinator.store; }
  override replaysClock(): boolean { return this.coordinator.record; }
  async restoredFrom(): Promise<string | undefined> { return this.coordinator.restoredFrom; }
  async processes(): Promise<EngineHello[]> { return this.coordinator.processes(); }
  status(): Promise<ResourceTables> { return this.coordinator.status(); }
  checkpointHeld(label: string | undefined, onOrdersSent: () => void): Promise<SnapshotInfo> {
    return this.coordinator.checkpoint({ label, hold: true, onOrdersSent });
  }
  onSnapshot(listener: () => void): void { this.coordinator.on('snapshot', listener); }

  restartHeld(id: string, stdio: StdioOptions, onReplacing: () => void): Promise<number[]> {
    return this.coordinator.replace(id, { hold: true, stdio, onReplacing });
  }

  dispose(): void { /* the launcher closes the coordinator */ }
}

/** A computation started by `ckpt launch --dir DIR`: its coordinator is another process. */
export class RemoteComputation extends Computation {
  readonly store: SnapshotStore;
  private readonly events = new EventEmitter();
  private watcher?: fs.FSWatcher;

  constructor(readonly dir: string) {
    super();
    this.store = new SnapshotStore(dir);
    try {
      // A snapshot appears as a directory renamed into place.
      this.watcher = fs.watch(this.store.cdir.snapshots, () => this.events.emit('snapshot'));
      this.watcher.on('error', () => undefined);
    } catch {
      // No notifications: the list is still right whenever it is asked for.
    }
  }

  async restoredFrom(): Promise<string | undefined> { return (await ctlInfo(this.dir, 10000)).restoredFrom; }
  async processes(): Promise<EngineHello[]> { return (await ctlInfo(this.dir, 10000)).processes; }
  status(): Promise<ResourceTables> { return ctlStatus(this.dir); }
  checkpointHeld(label: string | undefined, onOrdersSent: () => void): Promise<SnapshotInfo> {
    return ctlCheckpoint(this.dir, { label, hold: true, onOrdersSent });
  }
  onSnapshot(listener: () => void): void { this.events.on('snapshot', listener); }
  /** The `ckpt launch` process restores: the program keeps its terminal there (stdio is not ours to give). */
  async restartHeld(id: string, _stdio: StdioOptions, onReplacing: () => void): Promise<number[]> {
    return (await ctlRestore(this.dir, id, { hold: true, onReplacing })).pids;
  }
  dispose(): void { this.watcher?.close(); }
}

/**
 * The computation a session debugs, as the `ckpt/*` requests see it: its
 * snapshot store, its live processes and their tables. Either the session's
 * own coordinator (launch) or the coordinator of a `ckpt launch` reached
 * through its control socket (attach).
 */
import type { StdioOptions } from 'child_process';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import type { Coordinator, EngineHello, ResourceTables, SnapshotInfo } from '../engine';
import { SnapshotStore, ctlCheckpoint, ctlInfo, ctlRestore, ctlStatus } from '../engine';

export interface Computation {
  readonly store: SnapshotStore;
  restoredFrom(): Promise<string | undefined>;
  processes(): Promise<EngineHello[]>;
  /** Tables from the engine itself: needs the program running. */
  status(): Promise<ResourceTables>;
  /**
   * Saves a snapshot of a program that gdb holds: the engine gets its order
   * without a signal (the debugger queues it on every thread) and every thread
   * returns through the hold trap.
   */
  checkpointHeld(label: string | undefined, onOrdersSent: () => void): Promise<SnapshotInfo>;
  /**
   * Replaces the computation by snapshot `id`, held for a debugger
   * (`ckpt-restore --hold`), with the given stdio where the session chooses it
   * (attached, the program keeps the terminal of its `ckpt launch`). The
   * snapshot is checked first: on a problem nothing is touched. Then
   * `onReplacing` is called (the debugger kills the processes it holds) and
   * the processes of now are killed. Resolves with the pids of the restored
   * processes, the root first, once each has connected.
   */
  restartHeld(id: string, stdio: StdioOptions, onReplacing: () => void): Promise<number[]>;
  /** Called when a snapshot is completed by anyone. */
  onSnapshot(listener: () => void): void;
  dispose(): void;
}

export class OwnCoordinator implements Computation {
  constructor(private readonly coordinator: Coordinator) {}
  get store(): SnapshotStore { return this.coordinator.store; }
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
export class RemoteComputation implements Computation {
  readonly store: SnapshotStore;
  private readonly events = new EventEmitter();
  private watcher?: fs.FSWatcher;

  constructor(readonly dir: string) {
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

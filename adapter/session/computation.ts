/**
 * The computation a session debugs, as the `ckpt/*` requests see it: its
 * snapshot store, its live processes and their tables. Either the session's
 * own coordinator (launch) or the coordinator of a `ckpt launch` reached
 * through its control socket (attach).
 */
import { EventEmitter } from 'events';
import * as fs from 'fs';
import type { Coordinator, EngineHello, ResourceTables } from '../engine';
import { SnapshotStore, ctlInfo, ctlStatus } from '../engine';

export interface Computation {
  readonly store: SnapshotStore;
  restoredFrom(): Promise<string | undefined>;
  processes(): Promise<EngineHello[]>;
  /** Tables from the engine itself: needs the program running. */
  status(): Promise<ResourceTables>;
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
  onSnapshot(listener: () => void): void { this.coordinator.on('snapshot', listener); }
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
  onSnapshot(listener: () => void): void { this.events.on('snapshot', listener); }
  dispose(): void { this.watcher?.close(); }
}

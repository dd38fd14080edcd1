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
import { CkptError, SnapshotStore, ctlCheckpoint, ctlInfo, ctlStatus } from '../engine';

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
   * Restarts snapshot `id` held for a debugger (`ckpt-restore --hold`) with the
   * given stdio; resolves with the pids of its processes, the root first, once
   * each has connected.
   */
  restartHeld(id: string, stdio: StdioOptions): Promise<number[]>;
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

  async restartHeld(id: string, stdio: StdioOptions): Promise<number[]> {
    const expected = this.coordinator.store.manifest(id).processes.length;
    const hellos: EngineHello[] = [];
    let onHello!: (h: EngineHello) => void;
    const allHere = new Promise<void>((resolve) => {
      onHello = (h) => {
        if (!h.restored) return;
        hellos.push(h);
        if (hellos.length === expected) resolve();
      };
      this.coordinator.on('hello', onHello);
    });
    try {
      // A program restored earlier in this session was just killed: the coordinator
      // takes a new one once it has seen that one end.
      const previous = this.coordinator.runningProgram;
      if (previous) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          previous.exited.catch(() => undefined),
          new Promise((resolve) => { timer = setTimeout(resolve, 30000); }),
        ]);
        clearTimeout(timer);
      }
      const running = await this.coordinator.startRestart(id, { hold: true, stdio });
      const failed = running.exited.then((status) => {
        throw new CkptError(`the restored program of snapshot ${id} ended before a debugger could take it (${JSON.stringify(status)})`);
      });
      failed.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CkptError(`snapshot ${id}: only ${hellos.length} of ${expected} processes came back within 60 s`)), 60000);
      });
      try {
        await Promise.race([allHere, failed, late]);
      } finally {
        clearTimeout(timer);
      }
      const root = hellos.find((h) => h.pid === running.pid);
      return [...(root ? [root] : []), ...hellos.filter((h) => h !== root).sort((a, b) => a.vpid - b.vpid)].map((h) => h.pid);
    } finally {
      this.coordinator.off('hello', onHello);
    }
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
  async restartHeld(): Promise<number[]> {
    throw new CkptError(`restoring a snapshot from the debugger needs the computation's own coordinator; for ${this.dir} use \`ckpt restart --dir ${this.dir} SNAPSHOT\``);
  }
  dispose(): void { this.watcher?.close(); }
}

/**
 * Knows which `ckpt` debug sessions exist and which one the views follow (the active
 * one when it is a ckpt session, else the newest), keeps the context key that shows the
 * views, and forwards the adapter's custom events.
 */
import * as vscode from 'vscode';
import type { ResourcesChangedBody, SnapshotsChangedBody } from '../adapter/protocol';
import { ContextKeys, DEBUG_TYPE, Events } from './ids';

export class SessionTracker implements vscode.Disposable {
  private readonly sessions: vscode.DebugSession[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<vscode.DebugSession | undefined>();
  private readonly snapshots = new vscode.EventEmitter<{ session: vscode.DebugSession; body: SnapshotsChangedBody }>();
  private readonly resources = new vscode.EventEmitter<{ session: vscode.DebugSession; body: ResourcesChangedBody }>();

  /** The followed session changed (or the last one ended: undefined). */
  readonly onDidChangeSession = this.changed.event;
  readonly onSnapshotsChanged = this.snapshots.event;
  readonly onResourcesChanged = this.resources.event;

  constructor() {
    for (const emitter of [this.changed, this.snapshots, this.resources]) this.disposables.push(emitter);
    this.disposables.push(
      vscode.debug.onDidStartDebugSession((s) => {
        if (s.type !== DEBUG_TYPE) return;
        this.sessions.push(s);
        this.update();
      }),
      vscode.debug.onDidTerminateDebugSession((s) => {
        const i = this.sessions.indexOf(s);
        if (i < 0) return;
        this.sessions.splice(i, 1);
        this.update();
      }),
      vscode.debug.onDidChangeActiveDebugSession(() => this.update()),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type !== DEBUG_TYPE) return;
        if (e.event === Events.snapshotsChanged) {
          this.snapshots.fire({ session: e.session, body: (e.body ?? { snapshots: [] }) as SnapshotsChangedBody });
        } else if (e.event === Events.resourcesChanged) {
          this.resources.fire({ session: e.session, body: (e.body ?? { reason: 'stopped' }) as ResourcesChangedBody });
        }
      }),
    );
    // A session may already run when the extension activates late.
    const active = vscode.debug.activeDebugSession;
    if (active && active.type === DEBUG_TYPE) this.sessions.push(active);
    this.update();
  }

  private followed: vscode.DebugSession | undefined;

  /** The session the views show. */
  get current(): vscode.DebugSession | undefined {
    return this.followed;
  }

  get count(): number {
    return this.sessions.length;
  }

  private update(): void {
    const active = vscode.debug.activeDebugSession;
    const next = active && this.sessions.includes(active) ? active : this.sessions[this.sessions.length - 1];
    void vscode.commands.executeCommand('setContext', ContextKeys.sessionActive, this.sessions.length > 0);
    if (next !== this.followed) {
      this.followed = next;
      this.changed.fire(next);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * Follows each `ckpt` debug session's run from its DAP traffic (a debug adapter
 * tracker, which sees what the editor sees): when it started, every stop with its
 * reason, jumps back in time (stops with reason `restore`, whose description names the
 * snapshot), whether the program runs, and the snapshot it stands at after a restore
 * until it moves on. The Snapshot Timeline draws from it.
 */
import * as vscode from 'vscode';
import { DEBUG_TYPE, RESTORED_STOP_REASON } from '../ids';
import type { StopRecord } from './timelineModel';

export interface RunState {
  startedAt: number;
  stops: StopRecord[];
  state: 'stopped' | 'running' | 'ended';
  /** Restored to this snapshot and not run since. */
  atSnapshot?: string;
}

/** Requests that set the program moving (the editor's run and step buttons). */
const MOVES = new Set(['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'goto', 'restart']);
/** The description of a stop after a jump in time: `Restored snapshot <id>`. */
const RESTORED = /^Restored snapshot (\S+)/;
/** Enough for a long session; older stops leave the picture first. */
const MAX_STOPS = 500;

interface DapMessage { type?: string; event?: string; command?: string; body?: { reason?: string; description?: string } }

export class RunTracker implements vscode.Disposable {
  private readonly runs = new Map<string, RunState>();
  private readonly changed = new vscode.EventEmitter<vscode.DebugSession>();
  /** Fires after a session's run state changed. */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor() {
    this.disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
        createDebugAdapterTracker: (session) => {
          this.runs.set(session.id, { startedAt: Date.now(), stops: [], state: 'running' });
          return {
            onWillReceiveMessage: (m: DapMessage) => this.request(session, m),
            onDidSendMessage: (m: DapMessage) => this.sent(session, m),
            onExit: () => this.update(session, (r) => { r.state = 'ended'; r.atSnapshot = undefined; }),
          };
        },
      }),
      vscode.debug.onDidTerminateDebugSession((s) => {
        if (this.runs.delete(s.id)) this.changed.fire(s);
      }),
    );
  }

  /** The run of a session (undefined before its adapter started). */
  run(session: vscode.DebugSession | undefined): RunState | undefined {
    return session ? this.runs.get(session.id) : undefined;
  }

  private update(session: vscode.DebugSession, change: (r: RunState) => void): void {
    const r = this.runs.get(session.id);
    if (!r) return;
    change(r);
    this.changed.fire(session);
  }

  private request(session: vscode.DebugSession, m: DapMessage): void {
    if (m.type !== 'request' || !m.command || !MOVES.has(m.command)) return;
    this.update(session, (r) => { r.state = 'running'; r.atSnapshot = undefined; });
  }

  private sent(session: vscode.DebugSession, m: DapMessage): void {
    if (m.type !== 'event') return;
    if (m.event === 'stopped') {
      const reason = m.body?.reason ?? 'pause';
      const description = m.body?.description;
      const restoredTo = reason === RESTORED_STOP_REASON ? RESTORED.exec(description ?? '')?.[1] : undefined;
      this.update(session, (r) => {
        r.stops.push({ time: Date.now(), reason, description, restoredTo });
        if (r.stops.length > MAX_STOPS) r.stops.splice(0, r.stops.length - MAX_STOPS);
        r.state = 'stopped';
        r.atSnapshot = restoredTo;
      });
    } else if (m.event === 'continued') {
      this.update(session, (r) => { r.state = 'running'; r.atSnapshot = undefined; });
    } else if (m.event === 'terminated' || m.event === 'exited') {
      this.update(session, (r) => { r.state = 'ended'; r.atSnapshot = undefined; });
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

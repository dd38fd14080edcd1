/** The status bar item: how many snapshots the followed session has; a click restores one. */
import * as vscode from 'vscode';
import { Commands } from './ids';
import { SessionTracker } from './sessionTracker';
import { SnapshotsView } from './snapshotsView';

export class SnapshotStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('ckpt.snapshotCount', vscode.StatusBarAlignment.Left, 5);
  private readonly disposables: vscode.Disposable[] = [this.item];

  constructor(tracker: SessionTracker, view: SnapshotsView) {
    this.item.name = 'Checkpoint Debugger snapshots';
    this.item.command = Commands.restoreSnapshot;
    this.disposables.push(
      view.onDidChangeSnapshots((list) => this.show(list.length)),
      tracker.onDidChangeSession((s) => (s ? this.show(0) : this.item.hide())),
    );
  }

  /** The text shown now (read by the tests). */
  get text(): string {
    return this.item.text;
  }

  private show(count: number): void {
    this.item.text = `$(history) ${count} ${count === 1 ? 'snapshot' : 'snapshots'}`;
    this.item.tooltip = 'Checkpoint Debugger: snapshots of this debug session (click to restore one)';
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

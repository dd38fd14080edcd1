/**
 * The Snapshots view: the followed session's snapshots, newest first, with the one
 * the program was last restored from marked. The user's own are listed at the top;
 * those taken automatically (the adapter's landmarks for going back, `autoSnapshot`,
 * `ckpt launch --interval`) under a group of their own, folded unless the program was
 * restored from one of them. Fed by `ckpt/listSnapshots` and the
 * `ckpt/snapshotsChanged` event.
 */
import * as vscode from 'vscode';
import type { ListSnapshotsResult, SnapshotInfo } from '../adapter/protocol';
import { errorMessage } from './errorMessage';
import { Requests, SnapshotContext } from './ids';
import { SessionTracker } from './sessionTracker';
import { formatSize, snapshotDescription, snapshotLabel, snapshotTooltip } from './snapshotFormat';
import { isAutomatic } from './timeline/timelineModel';

export class SnapshotItem extends vscode.TreeItem {
  constructor(readonly snapshot: SnapshotInfo, readonly restored: boolean, restoredFrom?: string) {
    super(snapshotLabel(snapshot), vscode.TreeItemCollapsibleState.None);
    this.id = snapshot.id;
    this.description = snapshotDescription(snapshot, restoredFrom);
    this.tooltip = snapshotTooltip(snapshot, restoredFrom);
    this.contextValue = restored ? SnapshotContext.restored : SnapshotContext.snapshot;
    this.iconPath = new vscode.ThemeIcon(restored ? 'debug-stackframe' : 'history');
  }
}

/** The group of the snapshots taken automatically. */
export class AutomaticGroupItem extends vscode.TreeItem {
  constructor(readonly snapshots: SnapshotInfo[], restoredFrom: string | undefined) {
    const holdsRestored = snapshots.some((s) => s.id === restoredFrom);
    super('Automatic', holdsRestored ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    // Its own id per folding: VS Code keeps the folding of an id it has seen.
    this.id = holdsRestored ? 'ckpt.automatic.restored' : 'ckpt.automatic';
    const size = snapshots.reduce((sum, s) => sum + s.size, 0);
    this.description = `${snapshots.length} · ${formatSize(size)}`;
    this.tooltip = 'Snapshots taken without asking: landmarks for going back (autoSnapshot) and ckpt launch --interval';
    this.contextValue = 'automatic';
    this.iconPath = new vscode.ThemeIcon('milestone');
  }
}

class MessageItem extends vscode.TreeItem {
  constructor(text: string) {
    super(text, vscode.TreeItemCollapsibleState.None);
    this.iconPath = new vscode.ThemeIcon('warning');
    this.contextValue = 'message';
  }
}

export class SnapshotsView implements vscode.TreeDataProvider<vscode.TreeItem>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly changedList = new vscode.EventEmitter<SnapshotInfo[]>();
  /** Fires with the new list whenever it is known to have changed. */
  readonly onDidChangeSnapshots = this.changedList.event;
  private readonly disposables: vscode.Disposable[] = [this.emitter, this.changedList];

  /** The last list seen, from a response or an event; undefined = ask the adapter. */
  private cache: ListSnapshotsResult | undefined;
  private error: string | undefined;

  constructor(private readonly tracker: SessionTracker) {
    this.disposables.push(
      tracker.onDidChangeSession(() => this.refresh()),
      tracker.onSnapshotsChanged(({ session, body }) => {
        if (session !== tracker.current) return;
        this.setList({ snapshots: body.snapshots ?? [], restoredFrom: body.restoredFrom });
      }),
    );
  }

  /** Forget the cache and ask the adapter again. */
  refresh(): void {
    this.cache = undefined;
    this.error = undefined;
    this.emitter.fire();
    // Load eagerly so the status bar count is right even while the view is collapsed.
    void this.list();
  }

  setList(list: ListSnapshotsResult): void {
    this.cache = { snapshots: [...list.snapshots], restoredFrom: list.restoredFrom };
    this.error = undefined;
    this.emitter.fire();
    this.changedList.fire(this.cache.snapshots);
  }

  /** The snapshots of the followed session (asks the adapter when not cached). */
  async list(): Promise<ListSnapshotsResult> {
    if (this.cache) return this.cache;
    const session = this.tracker.current;
    if (!session) return { snapshots: [] };
    try {
      const result = (await session.customRequest(Requests.listSnapshots)) as ListSnapshotsResult | undefined;
      if (session !== this.tracker.current) return { snapshots: [] };
      this.cache = { snapshots: result?.snapshots ?? [], restoredFrom: result?.restoredFrom };
      this.error = undefined;
      this.changedList.fire(this.cache.snapshots);
      return this.cache;
    } catch (e) {
      this.error = errorMessage(e);
      return { snapshots: [] };
    }
  }

  getTreeItem(item: vscode.TreeItem): vscode.TreeItem {
    return item;
  }

  async getChildren(element?: vscode.TreeItem): Promise<vscode.TreeItem[]> {
    if (!this.tracker.current) return [];
    const { snapshots, restoredFrom } = await this.list();
    const item = (s: SnapshotInfo): SnapshotItem => new SnapshotItem(s, s.id === restoredFrom, restoredFrom);
    if (element instanceof AutomaticGroupItem) return element.snapshots.map(item);
    if (element) return [];
    if (this.error) return [new MessageItem(`Could not list snapshots: ${this.error}`)];
    // Newest first: the one just saved is at the top, where the eye is.
    const sorted = [...snapshots].sort((a, b) => b.time.localeCompare(a.time));
    const automatic = sorted.filter(isAutomatic);
    const rows: vscode.TreeItem[] = sorted.filter((s) => !isAutomatic(s)).map(item);
    if (automatic.length > 0) rows.push(new AutomaticGroupItem(automatic, restoredFrom));
    return rows;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

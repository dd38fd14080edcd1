/**
 * The Resources view: the processes of the followed session (`vpid → pid`), and under
 * each its threads and file descriptors; either live or as saved in the snapshot chosen
 * with Inspect. Fed by `ckpt/resources` and the `ckpt/resourcesChanged` event.
 */
import * as vscode from 'vscode';
import type { ResourcesArgs, ResourcesResult, SnapshotInfo } from '../adapter/protocol';
import { errorMessage } from './errorMessage';
import { ContextKeys, Requests } from './ids';
import { SessionTracker } from './sessionTracker';
import { ResourceRow, resourceRows, snapshotLabel } from './snapshotFormat';

const ICONS: Record<ResourceRow['kind'], string> = { process: 'server-process', thread: 'debug-alt-small', fd: 'file', file: 'save' };

export class ResourceItem extends vscode.TreeItem {
  constructor(readonly row: ResourceRow) {
    super(row.label, row.children.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    this.id = row.key;
    this.description = row.description;
    this.tooltip = row.tooltip;
    this.contextValue = row.kind;
    this.iconPath = new vscode.ThemeIcon(ICONS[row.kind]);
  }
}

class MessageItem extends vscode.TreeItem {
  constructor(text: string, icon = 'warning') {
    super(text, vscode.TreeItemCollapsibleState.None);
    this.iconPath = new vscode.ThemeIcon(icon);
    this.contextValue = 'message';
  }
}

export class ResourcesView implements vscode.TreeDataProvider<vscode.TreeItem>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  private treeView: vscode.TreeView<vscode.TreeItem> | undefined;
  /** The snapshot being inspected; undefined = live. */
  private snapshot: SnapshotInfo | undefined;
  /** The last tables shown, for tests and for commands that need them. */
  lastTables: ResourcesResult | undefined;

  constructor(private readonly tracker: SessionTracker) {
    this.disposables.push(
      tracker.onDidChangeSession(() => this.showLive()),
      tracker.onResourcesChanged(({ session }) => {
        if (session === tracker.current && !this.snapshot) this.refresh();
      }),
    );
  }

  attach(view: vscode.TreeView<vscode.TreeItem>): void {
    this.treeView = view;
    this.updateTitle();
  }

  get inspected(): SnapshotInfo | undefined {
    return this.snapshot;
  }

  inspect(snapshot: SnapshotInfo): void {
    this.snapshot = snapshot;
    this.updateTitle();
    this.refresh();
  }

  showLive(): void {
    this.snapshot = undefined;
    this.updateTitle();
    this.refresh();
  }

  /** A snapshot that was deleted can no longer be inspected: go back to live. */
  forget(id: string): void {
    if (this.snapshot?.id === id) this.showLive();
  }

  refresh(): void {
    this.emitter.fire();
  }

  private updateTitle(): void {
    void vscode.commands.executeCommand('setContext', ContextKeys.inspectingSnapshot, this.snapshot !== undefined);
    if (this.treeView) {
      this.treeView.description = this.snapshot ? `snapshot ${snapshotLabel(this.snapshot)}` : 'live';
    }
  }

  getTreeItem(item: vscode.TreeItem): vscode.TreeItem {
    return item;
  }

  async getChildren(element?: vscode.TreeItem): Promise<vscode.TreeItem[]> {
    if (element instanceof ResourceItem) return element.row.children.map((r) => new ResourceItem(r));
    if (element) return [];
    const session = this.tracker.current;
    if (!session) return [];
    const args: ResourcesArgs = this.snapshot ? { snapshot: this.snapshot.id } : {};
    try {
      const tables = (await session.customRequest(Requests.resources, args)) as ResourcesResult | undefined;
      if (!tables || !Array.isArray(tables.processes)) {
        return [new MessageItem('The debug adapter sent no resource tables')];
      }
      this.lastTables = tables;
      if (tables.processes.length === 0) return [new MessageItem('No processes', 'info')];
      return resourceRows(tables).map((r) => new ResourceItem(r));
    } catch (e) {
      this.lastTables = undefined;
      return [new MessageItem(`Could not read resources: ${errorMessage(e)}`)];
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

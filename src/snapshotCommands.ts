/**
 * The snapshot commands: save, restore, delete, inspect, compare, rename. Each works from a
 * row of the Snapshots view (its argument) or, from the palette, asks with a quick pick.
 * Failures become one readable message; the views stay as they were.
 */
import * as vscode from 'vscode';
import type {
  DeleteSnapshotArgs, DiffSnapshotsArgs, DiffSnapshotsResult, ListSnapshotsResult, RenameSnapshotArgs, RestoreSnapshotArgs,
  SaveSnapshotArgs, SaveSnapshotResult, SnapshotInfo,
} from '../adapter/protocol';
import { errorMessage } from './errorMessage';
import { diffMapHtml } from './diffMap';
import { Commands, Requests, ViewRequests, Views } from './ids';
import { ResourcesView } from './resourcesView';
import { SessionTracker } from './sessionTracker';
import { snapshotDescription, snapshotLabel } from './snapshotFormat';
import { SnapshotItem, SnapshotsView } from './snapshotsView';
import { withSlowProgress } from './slowProgress';
import type { AdapterProgress } from './adapterProgress';

export class SnapshotCommands {
  constructor(
    private readonly tracker: SessionTracker,
    private readonly snapshots: SnapshotsView,
    private readonly resources: ResourcesView,
    private readonly adapterProgress?: AdapterProgress,
  ) {}

  /** Slow work shown in progress: by the adapter when it reports progress, else here. */
  private withProgress<T>(session: vscode.DebugSession, title: string, work: () => Thenable<T>): Thenable<T> {
    return this.adapterProgress?.reportsProgress(session) ? work() : withSlowProgress(title, work);
  }

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand(Commands.saveSnapshot, (arg?: unknown) => this.save(arg)),
      vscode.commands.registerCommand(Commands.restoreSnapshot, (arg?: unknown) => this.restore(arg)),
      vscode.commands.registerCommand(Commands.deleteSnapshot, (arg?: unknown) => this.delete(arg)),
      vscode.commands.registerCommand(Commands.inspectSnapshot, (arg?: unknown) => this.inspect(arg)),
      vscode.commands.registerCommand(Commands.compareSnapshot, (arg?: unknown, other?: unknown) => this.compare(arg, other)),
      vscode.commands.registerCommand(Commands.renameSnapshot, (arg?: unknown, label?: unknown) => this.rename(arg, label)),
      vscode.commands.registerCommand(Commands.showLiveResources, () => this.resources.showLive()),
      vscode.commands.registerCommand(Commands.refreshViews, () => {
        this.snapshots.refresh();
        this.resources.refresh();
      }),
    ];
  }

  private session(): vscode.DebugSession | undefined {
    const s = this.tracker.current;
    if (!s) void vscode.window.showErrorMessage('Checkpoint Debugger: no checkpoint debug session is running. Start one with F5 first.');
    return s;
  }

  private fail(what: string, e: unknown): undefined {
    void vscode.window.showErrorMessage(`Checkpoint Debugger: could not ${what}: ${errorMessage(e)}`);
    return undefined;
  }

  /** Saves a snapshot. A string argument is its label (the toolbar button passes none). */
  async save(arg?: unknown): Promise<SnapshotInfo | undefined> {
    const session = this.session();
    if (!session) return undefined;
    const args: SaveSnapshotArgs = typeof arg === 'string' && arg.trim() !== '' ? { label: arg.trim() } : {};
    try {
      const result = await this.withProgress(session, 'Saving a snapshot…', () =>
        session.customRequest(Requests.saveSnapshot, args) as Thenable<SaveSnapshotResult>);
      if (!result || !result.snapshot) throw new Error('the debug adapter answered without a snapshot');
      // The adapter also sends ckpt/snapshotsChanged; asking again covers one that does not.
      this.snapshots.refresh();
      return result.snapshot;
    } catch (e) {
      return this.fail('save a snapshot', e);
    }
  }

  async restore(arg?: unknown): Promise<boolean> {
    const session = this.session();
    if (!session) return false;
    const snapshot = await this.pick(arg, 'Restore which snapshot?');
    if (!snapshot) return false;
    const args: RestoreSnapshotArgs = { id: snapshot.id };
    try {
      await this.withProgress(session, `Restoring ${snapshotLabel(snapshot)}…`, () =>
        session.customRequest(Requests.restoreSnapshot, args));
      this.snapshots.refresh();
      this.resources.showLive();
      return true;
    } catch (e) {
      this.fail(`restore ${snapshotLabel(snapshot)}`, e);
      return false;
    }
  }

  async delete(arg?: unknown): Promise<boolean> {
    const session = this.session();
    if (!session) return false;
    const snapshot = await this.pick(arg, 'Delete which snapshot?');
    if (!snapshot) return false;
    const args: DeleteSnapshotArgs = { id: snapshot.id };
    try {
      await session.customRequest(Requests.deleteSnapshot, args);
      this.resources.forget(snapshot.id);
      this.snapshots.refresh();
      return true;
    } catch (e) {
      this.fail(`delete ${snapshotLabel(snapshot)}`, e);
      return false;
    }
  }

  async inspect(arg?: unknown): Promise<boolean> {
    if (!this.session()) return false;
    const snapshot = await this.pick(arg, 'Show the resources of which snapshot?');
    if (!snapshot) return false;
    this.resources.inspect(snapshot);
    await vscode.commands.executeCommand(`${Views.resources}.focus`);
    return true;
  }

  /**
   * Compares a snapshot with another (a second argument, else picked), the
   * earlier first, and opens the memory map of the later with its changed
   * pages marked. Returns the panel's diff, for tests.
   */
  async compare(arg?: unknown, other?: unknown): Promise<DiffSnapshotsResult | undefined> {
    const session = this.session();
    if (!session) return undefined;
    const snapshot = await this.pick(arg, 'Compare which snapshot?');
    const partner = snapshot && (await this.pick(other, `Compare ${snapshotLabel(snapshot)} with which snapshot?`));
    if (!snapshot || !partner) return undefined;
    const [from, to] = partner.time <= snapshot.time ? [partner, snapshot] : [snapshot, partner];
    const args: DiffSnapshotsArgs = { from: from.id, to: to.id };
    try {
      const diff = await withSlowProgress(`Comparing ${snapshotLabel(from)} with ${snapshotLabel(to)}…`, () =>
        session.customRequest(ViewRequests.diffSnapshots, args) as Thenable<DiffSnapshotsResult>);
      const title = `${snapshotLabel(from)} → ${snapshotLabel(to)}`;
      const panel = vscode.window.createWebviewPanel('ckpt.snapshotDiff', title, vscode.ViewColumn.Active, { enableScripts: false });
      panel.webview.html = diffMapHtml(diff, title);
      return diff;
    } catch (e) {
      return this.fail(`compare ${snapshotLabel(from)} with ${snapshotLabel(to)}`, e);
    }
  }

  /** Renames a snapshot; a second string argument is the new label (else an input box asks). */
  async rename(arg?: unknown, label?: unknown): Promise<boolean> {
    const session = this.session();
    if (!session) return false;
    const snapshot = await this.pick(arg, 'Rename which snapshot?');
    if (!snapshot) return false;
    const newLabel = typeof label === 'string' ? label : await vscode.window.showInputBox({
      title: 'Rename snapshot',
      prompt: `New label for ${snapshotLabel(snapshot)}`,
      value: snapshot.label ?? '',
      validateInput: (v) => (v.trim() === '' ? 'A label cannot be empty' : undefined),
    });
    if (newLabel === undefined) return false;
    if (newLabel.trim() === '') {
      void vscode.window.showErrorMessage('Checkpoint Debugger: a snapshot label cannot be empty.');
      return false;
    }
    const args: RenameSnapshotArgs = { id: snapshot.id, label: newLabel.trim() };
    try {
      await session.customRequest(Requests.renameSnapshot, args);
      this.snapshots.refresh();
      return true;
    } catch (e) {
      this.fail(`rename ${snapshotLabel(snapshot)}`, e);
      return false;
    }
  }

  /** The snapshot an argument names (a view row, a SnapshotInfo or an id), or one picked from a list. */
  private async pick(arg: unknown, title: string): Promise<SnapshotInfo | undefined> {
    if (arg instanceof SnapshotItem) return arg.snapshot;
    let list: ListSnapshotsResult;
    try {
      list = await this.snapshots.list();
    } catch (e) {
      return this.fail('list the snapshots', e);
    }
    if (typeof arg === 'string' || (arg && typeof arg === 'object' && typeof (arg as SnapshotInfo).id === 'string')) {
      const id = typeof arg === 'string' ? arg : (arg as SnapshotInfo).id;
      const found = list.snapshots.find((s) => s.id === id || s.label === id);
      if (!found) void vscode.window.showErrorMessage(`Checkpoint Debugger: there is no snapshot "${id}".`);
      return found;
    }
    if (list.snapshots.length === 0) {
      void vscode.window.showInformationMessage('Checkpoint Debugger: there are no snapshots yet. Save one with the Save Snapshot button.');
      return undefined;
    }
    const items = [...list.snapshots]
      .sort((a, b) => b.time.localeCompare(a.time))
      .map((s) => ({ label: snapshotLabel(s), description: snapshotDescription(s, list.restoredFrom), snapshot: s }));
    const chosen = await vscode.window.showQuickPick(items, { title, placeHolder: 'Snapshot' });
    return chosen?.snapshot;
  }
}

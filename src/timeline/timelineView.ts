/**
 * The Snapshot Timeline: a webview view in Run and Debug that draws the followed
 * session's snapshots along its run (src/timeline/webview/ draws, timelineModel.ts
 * decides what). A click on a snapshot restores it through the same command as the
 * Snapshots view's Restore button. It follows the theme through VS Code's CSS variables.
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { Commands } from '../ids';
import { SessionTracker } from '../sessionTracker';
import { SnapshotsView } from '../snapshotsView';
import { RunTracker } from './runTracker';
import { TimelineModel, timelineModel } from './timelineModel';

/** Messages from the webview. */
export type TimelineMessage = { type: 'ready' } | { type: 'restore'; id: string };

/** While a session runs the axis grows with the clock: redraw this often (ms). */
const TICK_MS = 2000;

export class TimelineView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private pending: NodeJS.Timeout | undefined;
  private readonly ticker: NodeJS.Timeout;
  private model: TimelineModel | undefined;
  private readonly drawn = new vscode.EventEmitter<TimelineModel>();
  /** Fires with each model sent to the webview (the tests wait on it). */
  readonly onDidDraw = this.drawn.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly tracker: SessionTracker,
    private readonly snapshots: SnapshotsView,
    private readonly runs: RunTracker,
  ) {
    this.disposables.push(
      this.drawn,
      snapshots.onDidChangeSnapshots(() => this.schedule()),
      tracker.onDidChangeSession(() => this.schedule()),
      runs.onDidChange((s) => { if (s === tracker.current) this.schedule(); }),
    );
    this.ticker = setInterval(() => {
      if (this.view?.visible && this.runs.run(this.tracker.current)?.state === 'running') this.schedule();
    }, TICK_MS);
    this.ticker.unref();
  }

  /** The model last drawn (undefined before the view was first shown). */
  get lastModel(): TimelineModel | undefined {
    return this.model;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'out', 'dist');
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    view.webview.html = this.html(view.webview, vscode.Uri.joinPath(dist, 'timelineWebview.js'), vscode.Uri.joinPath(media, 'timeline.css'));
    this.disposables.push(
      view.webview.onDidReceiveMessage((m: TimelineMessage) => this.receive(m)),
      view.onDidChangeVisibility(() => { if (view.visible) this.schedule(); }),
      view.onDidDispose(() => { if (this.view === view) this.view = undefined; }),
    );
  }

  private receive(m: TimelineMessage): void {
    if (m?.type === 'ready') this.schedule();
    else if (m?.type === 'restore' && typeof m.id === 'string') {
      void vscode.commands.executeCommand(Commands.restoreSnapshot, m.id);
    }
  }

  /** Coalesces the events of one change (a restore brings several) into one drawing. */
  private schedule(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.draw();
    }, 30);
  }

  private async draw(): Promise<void> {
    const session = this.tracker.current;
    const list = session ? await this.snapshots.list() : { snapshots: [] };
    const run = this.runs.run(session);
    this.model = timelineModel({
      snapshots: list.snapshots,
      restoredFrom: list.restoredFrom,
      stops: run?.stops ?? [],
      startedAt: run?.startedAt,
      now: Date.now(),
      state: session ? run?.state ?? 'running' : 'ended',
      atSnapshot: run?.atSnapshot,
    });
    await this.view?.webview.postMessage({ type: 'model', model: this.model });
    this.drawn.fire(this.model);
  }

  private html(webview: vscode.Webview, script: vscode.Uri, style: vscode.Uri): string {
    const nonce = crypto.randomBytes(16).toString('base64');
    const csp = `default-src 'none'; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';`;
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${webview.asWebviewUri(style).toString()}">
<title>Snapshot Timeline</title>
</head>
<body>
<main class="timeline" aria-label="Snapshot Timeline">
<p class="summary" id="summary"></p>
<div class="stage" id="stage"></div>
<div class="card" id="card" role="tooltip" hidden></div>
</main>
<script nonce="${nonce}" src="${webview.asWebviewUri(script).toString()}"></script>
</body>
</html>`;
  }

  dispose(): void {
    clearInterval(this.ticker);
    if (this.pending) clearTimeout(this.pending);
    for (const d of this.disposables) d.dispose();
  }
}

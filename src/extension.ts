/**
 * Checkpoint Debugger's VS Code side: the `ckpt` debug type, the Snapshot Timeline,
 * Snapshots and Resources views in Run and Debug, the snapshot commands and the status
 * bar count.
 * It talks to the debug adapter only through DAP custom requests and events.
 */
import * as vscode from 'vscode';
import { AdapterFactory } from './adapterFactory';
import { ConfigurationResolver, DynamicConfigurations, InitialConfigurations } from './configurationProvider';
import { Commands, DEBUG_TYPE, Views } from './ids';
import { pickComputation } from './computationPicker';
import { findLastChange } from './findLastChange';
import type { LastChangeUi } from './findLastChange';
import { AdapterProgress } from './adapterProgress';
import { ResourcesView } from './resourcesView';
import { SessionTracker } from './sessionTracker';
import { SnapshotCommands } from './snapshotCommands';
import { SnapshotsView } from './snapshotsView';
import { SnapshotStatus } from './statusBar';
import { RunTracker } from './timeline/runTracker';
import { TimelineView } from './timeline/timelineView';

/** What activate() returns: the extension-host tests look inside through it. */
export interface CkptExtensionApi {
  tracker: SessionTracker;
  snapshots: SnapshotsView;
  resources: ResourcesView;
  status: SnapshotStatus;
  commands: SnapshotCommands;
  snapshotsTree: vscode.TreeView<vscode.TreeItem>;
  resourcesTree: vscode.TreeView<vscode.TreeItem>;
  runs: RunTracker;
  timeline: TimelineView;
  adapterProgress: AdapterProgress;
}

export function activate(context: vscode.ExtensionContext): CkptExtensionApi {
  const tracker = new SessionTracker();
  const snapshots = new SnapshotsView(tracker);
  const resources = new ResourcesView(tracker);
  const status = new SnapshotStatus(tracker, snapshots);
  const adapterProgress = new AdapterProgress();
  const commands = new SnapshotCommands(tracker, snapshots, resources, adapterProgress);
  const snapshotsTree = vscode.window.createTreeView(Views.snapshots, { treeDataProvider: snapshots, showCollapseAll: false });
  const resourcesTree = vscode.window.createTreeView(Views.resources, { treeDataProvider: resources, showCollapseAll: true });
  resources.attach(resourcesTree);
  const adapterFactory = new AdapterFactory(context.extensionPath);
  const runs = new RunTracker();
  const timeline = new TimelineView(context.extensionUri, tracker, snapshots, runs);

  context.subscriptions.push(
    tracker, snapshots, resources, status, snapshotsTree, resourcesTree, runs, timeline,
    vscode.window.registerWebviewViewProvider(Views.timeline, timeline),
    ...commands.register(),
    vscode.commands.registerCommand(Commands.pickComputation, pickComputation),
    vscode.commands.registerCommand(Commands.findLastChange, (arg?: unknown) => findLastChange(tracker.current, arg, lastChangeUi)),
    adapterFactory,
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, adapterFactory),
    vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, adapterProgress),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new InitialConfigurations(),
      vscode.DebugConfigurationProviderTriggerKind.Initial),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new DynamicConfigurations(),
      vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationResolver()),
  );
  return { tracker, snapshots, resources, status, commands, snapshotsTree, resourcesTree, runs, timeline, adapterProgress };
}

const lastChangeUi: LastChangeUi = {
  askExpression: () => vscode.window.showInputBox({
    title: 'Find Last Change', prompt: 'An expression whose last change before now to go to (a variable, a field, *pointer)',
    placeHolder: 'limit',
  }),
  selectedFrameId: () => {
    const item = vscode.debug.activeStackItem;
    return item instanceof vscode.DebugStackFrame ? item.frameId : undefined;
  },
  showInfo: (text) => { void vscode.window.setStatusBarMessage(text, 5000); },
  showError: (text) => { void vscode.window.showErrorMessage(text); },
};

export function deactivate(): void {
  // Everything is in context.subscriptions.
}

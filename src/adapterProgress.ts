/**
 * Which debug sessions draw their own progress: the adapter sends
 * `progressStart`/`progressEnd` for saving, restoring and going back to a
 * client that says it supports progress (`supportsProgressReporting` in
 * `initialize`). For those the extension draws none of its own, which would
 * show the same work twice.
 */
import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';

export class AdapterProgress implements vscode.DebugAdapterTrackerFactory {
  private readonly reporting = new Set<string>();

  createDebugAdapterTracker(session: vscode.DebugSession): vscode.DebugAdapterTracker {
    return {
      onWillReceiveMessage: (message: DebugProtocol.ProtocolMessage) => {
        const request = message as DebugProtocol.InitializeRequest;
        if (request.type !== 'request' || request.command !== 'initialize') return;
        if (request.arguments?.supportsProgressReporting) this.reporting.add(session.id);
        else this.reporting.delete(session.id);
      },
      onExit: () => { this.reporting.delete(session.id); },
    };
  }

  /** The session's adapter reports progress of its own slow work. */
  reportsProgress(session: vscode.DebugSession): boolean {
    return this.reporting.has(session.id);
  }
}

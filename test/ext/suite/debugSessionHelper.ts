/**
 * Starts the example workspace's launch configuration with a breakpoint on a `#BPn`
 * line, and follows the session's DAP traffic (stops, custom events, errors) through a
 * debug adapter tracker, the way a person watches the editor.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CkptExtensionApi } from '../../../src/extension';
import { DEBUG_TYPE } from '../../../src/ids';
import { waitFor } from './harness';

export const LAUNCH_NAME = 'Debug journal with snapshots';
export const EXTENSION_ID = 'checkpoint-debugger.checkpoint-debugger';

export function workspaceFolder(): vscode.WorkspaceFolder {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('no workspace folder is open');
  return f;
}

export function markerLine(marker: string, file = 'journal.c'): number {
  const lines = fs.readFileSync(path.join(workspaceFolder().uri.fsPath, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`/* ${marker} */`));
  if (i < 0) throw new Error(`no /* ${marker} */ in ${file}`);
  return i + 1;
}

export async function extensionApi(): Promise<CkptExtensionApi> {
  const ext = vscode.extensions.getExtension<CkptExtensionApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

interface Message { type: string; event?: string; command?: string; body?: Record<string, unknown>; success?: boolean; message?: string }

/** Every message the adapter sent in one session. */
export class Traffic {
  readonly messages: Message[] = [];
  stops(): Message[] {
    return this.messages.filter((m) => m.type === 'event' && m.event === 'stopped');
  }
  events(name: string): Message[] {
    return this.messages.filter((m) => m.type === 'event' && m.event === name);
  }
}

let current: Traffic | undefined;
let trackerRegistered: vscode.Disposable | undefined;

function registerTracker(): void {
  if (trackerRegistered) return;
  trackerRegistered = vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
    createDebugAdapterTracker: () => {
      const traffic = current;
      return { onDidSendMessage: (m: Message) => traffic?.messages.push(m) };
    },
  });
}

export interface Debugging {
  session: vscode.DebugSession;
  traffic: Traffic;
  threadId: number;
  /** Waits for the next stop after `count` stops were seen; returns the top frame's line. */
  waitForStop(count: number): Promise<number>;
  topFrame(): Promise<{ line: number; name: string; source?: string }>;
  /** Evaluates a C expression in the top frame. */
  evaluate(expr: string): Promise<string>;
  stop(): Promise<void>;
}

/** Starts the workspace's launch configuration, or `config` when given. */
export async function startDebugging(marker: string, config?: vscode.DebugConfiguration): Promise<Debugging> {
  registerTracker();
  const folder = workspaceFolder();
  for (const f of ['journal', 'journal.log', '.ckpt']) fs.rmSync(path.join(folder.uri.fsPath, f), { recursive: true, force: true });
  vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
  const line = markerLine(marker);
  const source = vscode.Uri.file(path.join(folder.uri.fsPath, 'journal.c'));
  vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(source, new vscode.Position(line - 1, 0)))]);
  const traffic = new Traffic();
  current = traffic;
  const started = new Promise<vscode.DebugSession>((resolve) => {
    const d = vscode.debug.onDidStartDebugSession((s) => {
      if (s.type === DEBUG_TYPE) { d.dispose(); resolve(s); }
    });
  });
  const ok = await vscode.debug.startDebugging(folder, config ?? LAUNCH_NAME);
  if (!ok) throw new Error(`could not start "${config?.name ?? LAUNCH_NAME}"`);
  const session = await started;
  await waitFor('the first stop', () => traffic.stops().length >= 1, 90_000);
  const threadId = Number(traffic.stops()[0].body?.threadId ?? 1);

  const topFrame = async () => {
    const st = await session.customRequest('stackTrace', { threadId, startFrame: 0, levels: 1 }) as
      { stackFrames: { id: number; line: number; name: string; source?: { path?: string } }[] };
    const f = st.stackFrames[0];
    return { line: f.line, name: f.name, source: f.source?.path, id: f.id };
  };
  return {
    session, traffic, threadId, topFrame,
    waitForStop: async (count: number) => {
      await waitFor(`stop number ${count + 1}`, () => traffic.stops().length > count, 90_000);
      return (await topFrame()).line;
    },
    evaluate: async (expr: string) => {
      const f = await topFrame();
      const r = await session.customRequest('evaluate', { expression: expr, frameId: f.id, context: 'watch' }) as { result: string };
      return r.result;
    },
    stop: async () => {
      const ended = new Promise<void>((resolve) => {
        const d = vscode.debug.onDidTerminateDebugSession((s) => { if (s === session) { d.dispose(); resolve(); } });
      });
      await vscode.debug.stopDebugging(session);
      await Promise.race([ended, new Promise((r) => setTimeout(r, 15_000))]);
    },
  };
}

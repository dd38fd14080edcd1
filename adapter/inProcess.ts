/**
 * The debug adapter inside the extension host: a session object that speaks
 * DAP through `handleMessage` / `onDidSendMessage`, the shape VS Code's
 * `DebugAdapterInlineImplementation` expects. Wrap it there:
 *
 *   new vscode.DebugAdapterInlineImplementation(createInProcessSession())
 *
 * (kept free of the `vscode` module, as everything under adapter/ is).
 */
import { CkptDebugSession } from './session/ckptDebugSession';
import { createSessionOptions } from './session/sessionOptions';

export function createInProcessSession(): CkptDebugSession {
  const session = new CkptDebugSession(createSessionOptions());
  // Running inside the extension host: never call process.exit on shutdown.
  session.setRunAsServer(true);
  return session;
}

/** Ends every in-process session's programs and gdb (for the extension's deactivate). */
export function killAllInProcessSessions(): void {
  CkptDebugSession.killAll();
}

/**
 * Runs work and shows a progress notification only if it takes longer than a moment:
 * a quick save should not flash a toast, a slow one should not look frozen.
 */
import * as vscode from 'vscode';

export const SLOW_AFTER_MS = 400;

export async function withSlowProgress<T>(title: string, work: () => Thenable<T>, slowAfterMs = SLOW_AFTER_MS): Promise<T> {
  const running = Promise.resolve(work());
  let done = false;
  const settled = running.then(() => undefined, () => undefined).finally(() => { done = true; });
  const timer = setTimeout(() => {
    if (done) return;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Checkpoint Debugger: ${title}`, cancellable: false },
      () => settled,
    );
  }, slowAfterMs);
  try {
    return await running;
  } finally {
    clearTimeout(timer);
  }
}

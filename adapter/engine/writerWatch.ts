import * as fs from 'node:fs';

/** How often the writer's state is looked at, and how long its last answer may take to be read. */
const POLL_MS = 100;
const GRACE_MS = 500;

/** Whether a process has ended (gone, or a zombie not yet reaped by its parent). */
export function processEnded(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true;
  }
  // The state follows the command name, which may itself hold ") ".
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}

/**
 * Watches the process that writes an image while the program runs on
 * (PROTOCOL.md, "writing"): if it ends and the answer it owed has still not
 * come a little later (killed, or out of memory), `fail` is called once.
 * Stops by itself when `waiting()` turns false.
 */
export function watchWriter(pid: number, waiting: () => boolean, fail: () => void): void {
  let endedAt = 0;
  const timer = setInterval(() => {
    if (!waiting()) {
      clearInterval(timer);
      return;
    }
    if (!endedAt) {
      if (processEnded(pid)) endedAt = Date.now();
      return;
    }
    if (Date.now() - endedAt >= GRACE_MS) {
      clearInterval(timer);
      fail();
    }
  }, POLL_MS);
  timer.unref();
}

import { processEnded } from './procTables';

/** How often the writer's state is looked at, and how long its last answer may take to be read. */
const POLL_MS = 100;
const GRACE_MS = 500;

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

/**
 * gdb's `*stopped` records, handed one by one to a sequence of commands that
 * expects them (a held snapshot, a restore) instead of being reported as stops.
 */
import type { MiAsyncRecord } from '../gdb/miParser';

export class StopQueue {
  private readonly queue: MiAsyncRecord[] = [];
  private readonly waiters: ((r: MiAsyncRecord) => void)[] = [];

  push(record: MiAsyncRecord): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(record);
    else this.queue.push(record);
  }

  /** The next stop (already arrived, or to come within `timeoutMs`). */
  next(timeoutMs: number): Promise<MiAsyncRecord> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const deliver = (r: MiAsyncRecord): void => {
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(deliver);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`gdb did not stop within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.waiters.push(deliver);
    });
  }
}

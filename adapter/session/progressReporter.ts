/**
 * DAP progress for slow work (saving, restoring, going back): `progressStart`
 * when it begins, `progressEnd` with what came of it. Only for a client that
 * said it draws progress (`supportsProgressReporting`); for others the work
 * just runs.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Event } from '@vscode/debugadapter';

export class ProgressReporter {
  private next = 1;
  /** Jumps in time started and not yet ended (a save queued meanwhile is none of them). */
  private readonly openJumps = new Set<string>();
  enabled = false;

  constructor(private readonly send: (event: DebugProtocol.Event) => void) {}

  /**
   * Runs `work` inside a progress of this title. Not cancellable: a save or a
   * restore stopped half-way would leave the program neither as it was nor as asked.
   * A `jump` (restore, going back) hears where it arrived through `update`.
   */
  async run<T>(title: string, work: () => Promise<T>, done?: (result: T) => string, jump = false): Promise<T> {
    if (!this.enabled) return work();
    const progressId = `ckpt-${this.next++}`;
    this.send(new Event('progressStart', { progressId, title, cancellable: false } satisfies DebugProtocol.ProgressStartEvent['body']));
    if (jump) this.openJumps.add(progressId);
    let message: string;
    try {
      const result = await work();
      message = done ? done(result) : 'Done';
      return result;
    } catch (err) {
      message = `Failed: ${err instanceof Error ? err.message : String(err)}`;
      throw err;
    } finally {
      this.openJumps.delete(progressId);
      this.send(new Event('progressEnd', { progressId, message: message! } satisfies DebugProtocol.ProgressEndEvent['body']));
    }
  }

  /** Where a jump in time under way arrived (which snapshot Step Back reached). */
  jumped(message: string): void {
    for (const progressId of this.openJumps) {
      this.send(new Event('progressUpdate', { progressId, message } satisfies DebugProtocol.ProgressUpdateEvent['body']));
    }
  }
}

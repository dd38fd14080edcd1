/**
 * DAP progress for slow work (saving, restoring, going back): `progressStart`
 * when it begins, `progressEnd` with what came of it. Only for a client that
 * said it draws progress (`supportsProgressReporting`); for others the work
 * just runs. Going back and Find Last Change can be cancelled (the client's
 * `cancel` request with the progress id, cancellation.ts); a save or a
 * restore cannot: stopped half-way it would leave the program neither as it
 * was nor as asked.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Event } from '@vscode/debugadapter';
import { CancelToken, Cancellations } from './cancellation';

/** What cancellable work is given: its token, and a way to say how far it got. */
export interface Progress {
  token: CancelToken;
  update(message: string, percentage?: number): void;
}

export class ProgressReporter {
  private next = 1;
  /** Jumps in time started and not yet ended (a save queued meanwhile is none of them). */
  private readonly openJumps = new Set<string>();
  readonly cancellations = new Cancellations();
  enabled = false;

  constructor(private readonly send: (event: DebugProtocol.Event) => void) {}

  /**
   * Runs `work` inside a progress of this title, not cancellable.
   * A `jump` (restore, going back) hears where it arrived through `update`.
   */
  run<T>(title: string, work: () => Promise<T>, done?: (result: T) => string, jump = false): Promise<T> {
    return this.runWith(title, false, () => work(), done, jump);
  }

  /** Runs `work` inside a progress the client may cancel (DAP `cancel` with its progressId). */
  runCancellable<T>(title: string, work: (progress: Progress) => Promise<T>, done?: (result: T) => string, jump = true): Promise<T> {
    return this.runWith(title, true, work, done, jump);
  }

  private async runWith<T>(title: string, cancellable: boolean, work: (progress: Progress) => Promise<T>, done?: (result: T) => string, jump = false): Promise<T> {
    const progressId = `ckpt-${this.next++}`;
    const token = this.cancellations.begin(progressId);
    const update = (message: string, percentage?: number): void => {
      if (this.enabled) this.send(new Event('progressUpdate', { progressId, message, percentage } satisfies DebugProtocol.ProgressUpdateEvent['body']));
    };
    if (!this.enabled) {
      try {
        return await work({ token, update });
      } finally {
        this.cancellations.end(progressId);
      }
    }
    this.send(new Event('progressStart', { progressId, title, cancellable } satisfies DebugProtocol.ProgressStartEvent['body']));
    if (jump) this.openJumps.add(progressId);
    let message: string;
    try {
      const result = await work({ token, update });
      message = done ? done(result) : 'Done';
      return result;
    } catch (err) {
      message = `Failed: ${err instanceof Error ? err.message : String(err)}`;
      throw err;
    } finally {
      this.cancellations.end(progressId);
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

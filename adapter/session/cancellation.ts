/**
 * Cancelling slow work (going back, Find Last Change) by DAP's `cancel`
 * request with the `progressId` of its progress. The work looks at its token
 * only where stopping leaves the program at a stop the user can be shown
 * (between two stops of a replay): a cancel is a request, honoured there.
 */
import { CkptError } from '../engine';

/** What cancelled work fails with. */
export class CancelledError extends CkptError {
  constructor() {
    super('cancelled');
  }
}

/** What cancellable work looks at. */
export interface CancelSignal {
  readonly cancelled: boolean;
  /** Throws CancelledError once cancelled. */
  check(): void;
}

export class CancelToken implements CancelSignal {
  private done = false;
  get cancelled(): boolean { return this.done; }
  cancel(): void { this.done = true; }
  /** Throws CancelledError once cancelled. */
  check(): void {
    if (this.done) throw new CancelledError();
  }
}

/** A token that is never cancelled: for work that nobody can cancel. */
export const NEVER_CANCELLED: CancelSignal = { cancelled: false, check: () => undefined };

/** The tokens of cancellable work under way, by progress id. */
export class Cancellations {
  private readonly open = new Map<string, CancelToken>();

  begin(progressId: string): CancelToken {
    const token = new CancelToken();
    this.open.set(progressId, token);
    return token;
  }

  end(progressId: string): void {
    this.open.delete(progressId);
  }

  /** Cancels the work of `progressId`: whether there was such work under way. */
  cancel(progressId: string): boolean {
    const token = this.open.get(progressId);
    token?.cancel();
    return token !== undefined;
  }
}

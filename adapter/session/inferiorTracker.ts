/**
 * The processes (gdb's inferiors, "thread groups" in MI) and threads of the
 * debugged computation, kept up to date from gdb's notifications. A program
 * that forks gets one inferior per process (detach-on-fork off).
 */
import type { MiAsyncRecord } from '../gdb/miParser';
import { miNumber, miString } from '../gdb/miParser';

export interface InferiorState {
  /** MI thread-group id: "i1", "i2", ... */
  id: string;
  pid?: number;
  live: boolean;
  exitCode?: number;
  threads: Set<number>;
}

export class InferiorTracker {
  readonly inferiors = new Map<string, InferiorState>();
  private readonly threadGroup = new Map<number, string>();

  /** Applies one `=...` notification; returns what changed for the session to report. */
  apply(record: MiAsyncRecord): { threadStarted?: number; threadExited?: number; processExited?: InferiorState } {
    const r = record.results;
    const group = (id: string): InferiorState => {
      let inf = this.inferiors.get(id);
      if (!inf) {
        inf = { id, live: false, threads: new Set() };
        this.inferiors.set(id, inf);
      }
      return inf;
    };
    switch (record.asyncClass) {
      case 'thread-group-started': {
        const inf = group(miString(r.id) ?? '');
        inf.pid = miNumber(r.pid);
        inf.live = true;
        inf.exitCode = undefined;
        return {};
      }
      case 'thread-group-exited': {
        const inf = group(miString(r.id) ?? '');
        const wasLive = inf.live;
        inf.live = false;
        // gdb prints the exit code in octal.
        const code = miString(r['exit-code']);
        inf.exitCode = code !== undefined ? parseInt(code, 8) : undefined;
        for (const t of inf.threads) this.threadGroup.delete(t);
        inf.threads.clear();
        return wasLive ? { processExited: inf } : {};
      }
      case 'thread-group-removed': {
        // gdb prunes a dead inferior (as when it attaches to another process):
        // its group id names nothing any more.
        this.inferiors.delete(miString(r.id) ?? '');
        return {};
      }
      case 'thread-created': {
        const id = miNumber(r.id);
        const gid = miString(r['group-id']);
        if (id === undefined || gid === undefined) return {};
        group(gid).threads.add(id);
        this.threadGroup.set(id, gid);
        return { threadStarted: id };
      }
      case 'thread-exited': {
        const id = miNumber(r.id);
        if (id === undefined) return {};
        const gid = this.threadGroup.get(id);
        if (gid) this.inferiors.get(gid)?.threads.delete(id);
        this.threadGroup.delete(id);
        return { threadExited: id };
      }
      default:
        return {};
    }
  }

  liveInferiors(): InferiorState[] {
    return [...this.inferiors.values()].filter((i) => i.live);
  }

  livePids(): number[] {
    return this.liveInferiors().map((i) => i.pid).filter((p): p is number => p !== undefined);
  }

  inferiorOfThread(thread: number): InferiorState | undefined {
    const gid = this.threadGroup.get(thread);
    return gid ? this.inferiors.get(gid) : undefined;
  }

  /** A thread of a live process, to select before resuming after another process exited. */
  anyLiveThread(): number | undefined {
    for (const inf of this.liveInferiors()) {
      for (const t of inf.threads) return t;
    }
    return undefined;
  }

  /** The first process started: its exit code is the program's. */
  mainInferior(): InferiorState | undefined {
    return this.inferiors.get('i1');
  }

  /** How many processes have been seen alive at some point. */
  processesSeen(): number {
    return [...this.inferiors.values()].filter((i) => i.pid !== undefined).length;
  }
}

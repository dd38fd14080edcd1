import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { CkptError, errnoCode, errorMessage } from './ckptError';
import { readJsonLines, writeJsonLine } from './jsonLines';
import { watchWriter } from './writerWatch';

/** Write errors that mean the peer closed its end of the connection. */
const PEER_GONE = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED']);

/** The first line of every engine connection (PROTOCOL.md). */
export interface EngineHello {
  vpid: number;
  pid: number;
  vppid: number;
  ppid: number;
  restored: boolean;
  /** Microseconds from the restorer's start to the program running again. */
  restoreUs?: number;
  /** A restored process's thread table (virtual ↔ kernel TIDs) when it said hello. */
  threads?: { vtid: number; tid: number }[];
}

export interface OrderOptions {
  /** Send the engine's signal after the line (default true). */
  signal?: boolean;
  /** Called once the line is in the kernel's buffer (before any reply). */
  onSent?: () => void;
}

export type EngineReply = Record<string, unknown> & { type: string };

export interface OrderOptions {
  /** Send the engine's signal after the line (default). Off when something else
   * delivers it: a debugger that queued it on every thread, or a handler that is
   * already waiting for its next line. */
  signal?: boolean;
}

interface Waiter {
  type: string;
  resolve: (reply: EngineReply) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/**
 * One process of the computation, as seen through its engine.sock connection.
 * Emits 'hello' once the process has introduced itself and 'close' when the
 * connection ends (the process is gone).
 */
export class EngineConnection extends EventEmitter {
  hello?: EngineHello;
  closed = false;
  /** The process is known to have exited; its last lines may still be in flight. */
  exited = false;
  private waiters: Waiter[] = [];
  /** Orders are sent one at a time: the engine reads one line per signal. */
  private lockChain: Promise<void> = Promise.resolve();

  constructor(private readonly socket: Socket, private readonly signal: number) {
    super();
    readJsonLines(socket, (msg) => this.onMessage(msg));
    socket.on('error', () => undefined); // 'close' follows and says it all
    // The peer's end (EOF) already means the process is gone; do not wait for 'close'.
    socket.on('end', () => this.onClose());
    socket.on('close', () => this.onClose());
  }

  get label(): string {
    return this.hello ? `process ${this.hello.vpid} (pid ${this.hello.pid})` : 'an engine connection';
  }

  private onMessage(msg: Record<string, unknown>): void {
    if (msg.type === 'hello' && !this.hello) {
      if (!isInt(msg.vpid) || !isInt(msg.pid)) return;
      this.hello = {
        vpid: msg.vpid,
        pid: msg.pid,
        vppid: isInt(msg.vppid) ? msg.vppid : 0,
        ppid: isInt(msg.ppid) ? msg.ppid : 0,
        restored: msg.restored === true,
      };
      if (isInt(msg.restoreUs)) this.hello.restoreUs = msg.restoreUs;
      if (Array.isArray(msg.threads)) {
        this.hello.threads = (msg.threads as { vtid?: unknown; tid?: unknown }[])
          .filter((t) => isInt(t.vtid) && isInt(t.tid))
          .map((t) => ({ vtid: t.vtid as number, tid: t.tid as number }));
      }
      this.emit('hello', this.hello);
      return;
    }
    if (typeof msg.type !== 'string') return;
    if (msg.type === 'writing' && isInt(msg.writer)) {
      this.watchImageWriter(msg.writer);
      return;
    }
    const i = this.waiters.findIndex((w) => w.type === msg.type);
    if (i < 0) return;
    const [w] = this.waiters.splice(i, 1);
    clearTimeout(w.timer);
    w.resolve(msg as EngineReply);
  }

  /** The checkpoint answer now comes from the forked writer `pid`: fail at once if it ends without one. */
  private watchImageWriter(pid: number): void {
    const waiter = this.waiters.find((w) => w.type === 'checkpoint');
    if (!waiter) return;
    watchWriter(
      pid,
      () => this.waiters.includes(waiter),
      () => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        clearTimeout(waiter.timer);
        waiter.reject(new CkptError(`${this.label} was not saved: its image writer (pid ${pid}) ended before the image was complete`));
      },
    );
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new CkptError(`${this.label} exited before answering the ${w.type} order`));
    }
    this.emit('close');
  }

  /**
   * Takes this connection for a sequence of orders that must not be
   * interleaved with others (the several steps of a synchronized checkpoint).
   * Resolves with the function that gives it back.
   */
  lock(): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const prior = this.lockChain;
    this.lockChain = prior.then(() => mine);
    return prior.then(() => release);
  }

  /**
   * Waits for a reply of type `replyType` to an order sent (or about to be
   * sent) by another call: the checkpoint answer that a process's forked writer
   * gives after the process said "captured". `cancel` gives up waiting.
   */
  expect(replyType: string, timeoutMs: number, what: string): { reply: Promise<EngineReply>; cancel: () => void } {
    let waiter!: Waiter;
    const reply = new Promise<EngineReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new CkptError(`${this.label} did not answer the ${what} order within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      waiter = { type: replyType, resolve, reject, timer };
      this.waiters.push(waiter);
    });
    reply.catch(() => undefined); // a cancelled or unawaited wait is not an unhandled rejection
    const cancel = () => {
      const i = this.waiters.indexOf(waiter);
      if (i >= 0) this.waiters.splice(i, 1);
      clearTimeout(waiter.timer);
    };
    return { reply, cancel };
  }

  /** One order on its own: waits for the connection, sends it, waits for the reply. */
  async order(cmd: Record<string, unknown>, replyType: string, timeoutMs: number, options: OrderOptions = {}): Promise<EngineReply> {
    const release = await this.lock();
    try {
      return await this.request(cmd, replyType, timeoutMs, options);
    } finally {
      release();
    }
  }

  /**
   * Sends one order and waits for the reply of type `replyType` (with null:
   * only until the line is sent). The caller holds the lock. By default the
   * line goes first, then the signal, so the engine's handler finds it ready;
   * orders that follow inside a checkpoint are read by the waiting handler
   * without a signal.
   */
  request(cmd: Record<string, unknown>, replyType: string | null, timeoutMs: number, options: OrderOptions = {}): Promise<EngineReply> {
    // Name the order as the user knows it ("checkpoint"), not the answer awaited ("stopped").
    const what = cmd.cmd === 'write' ? 'checkpoint' : typeof cmd.cmd === 'string' ? cmd.cmd : String(replyType);
    return new Promise<EngineReply>((resolve, reject) => {
      if (this.closed || this.exited || !this.hello) {
        reject(new CkptError(`${this.label} is not running`));
        return;
      }
      const pid = this.hello.pid;
      let waiter: Waiter | undefined;
      if (replyType !== null) {
        const timer = setTimeout(() => {
          const i = this.waiters.indexOf(waiter!);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new CkptError(`${this.label} did not answer the ${what} order within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
        waiter = { type: replyType, resolve, reject, timer };
        this.waiters.push(waiter);
      }
      // Signal only once the line is in the kernel's buffer: the handler reads it at once.
      writeJsonLine(this.socket, cmd, (writeErr) => {
        if (waiter && !this.waiters.includes(waiter)) return; // already settled by a close or the timeout
        let err: unknown = writeErr;
        // A write fails only when the process closed its end (it exited or
        // exec'd). Node calls back before it marks the socket destroyed, and a
        // line queued behind the failed one gets ERR_STREAM_DESTROYED.
        if (err && (this.closed || this.socket.destroyed || PEER_GONE.has(errnoCode(err) ?? ''))) err = new Error('it has exited');
        if (!err && options.signal !== false) {
          try {
            process.kill(pid, this.signal);
          } catch (killErr) {
            err = errnoCode(killErr) === 'ESRCH' ? new Error('it has exited') : killErr;
          }
        }
        if (err) {
          if (waiter) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            clearTimeout(waiter.timer);
          }
          reject(new CkptError(`cannot send the ${what} order to ${this.label}: ${errorMessage(err)}`));
          return;
        }
        options.onSent?.();
        if (!waiter) resolve({ type: 'sent' });
      });
    });
  }

  /**
   * Notes that the process has exited (its parent saw it). Answers it wrote
   * before dying are still read; only new orders are refused.
   */
  markExited(): void {
    this.exited = true;
  }

  destroy(): void {
    this.socket.destroy();
    this.onClose();
  }
}

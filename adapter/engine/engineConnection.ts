import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { CkptError, errorMessage } from './ckptError';
import { readJsonLines, writeJsonLine } from './jsonLines';

/** The first line of every engine connection (PROTOCOL.md). */
export interface EngineHello {
  vpid: number;
  pid: number;
  vppid: number;
  ppid: number;
  restored: boolean;
  /** Microseconds from the restorer's start to the program running again. */
  restoreUs?: number;
}

export type EngineReply = Record<string, unknown> & { type: string };

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
  private queue: Promise<unknown> = Promise.resolve();

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
      this.emit('hello', this.hello);
      return;
    }
    if (typeof msg.type !== 'string') return;
    const i = this.waiters.findIndex((w) => w.type === msg.type);
    if (i < 0) return;
    const [w] = this.waiters.splice(i, 1);
    clearTimeout(w.timer);
    w.resolve(msg as EngineReply);
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
   * Sends one order and waits for the reply of type `replyType`. The order line
   * goes first, then the signal, so the engine's handler finds the line ready.
   */
  order(cmd: Record<string, unknown>, replyType: string, timeoutMs: number): Promise<EngineReply> {
    const run = () => this.sendOrder(cmd, replyType, timeoutMs);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private sendOrder(cmd: Record<string, unknown>, replyType: string, timeoutMs: number): Promise<EngineReply> {
    return new Promise<EngineReply>((resolve, reject) => {
      if (this.closed || this.exited || !this.hello) {
        reject(new CkptError(`${this.label} is not running`));
        return;
      }
      const pid = this.hello.pid;
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new CkptError(`${this.label} did not answer the ${replyType} order within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const waiter: Waiter = { type: replyType, resolve, reject, timer };
      this.waiters.push(waiter);
      // Signal only once the line is in the kernel's buffer: the handler reads it at once.
      writeJsonLine(this.socket, cmd, (writeErr) => {
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return; // already answered by a close or the timeout
        let err: unknown = writeErr;
        if (err && this.closed) err = new Error('it has exited');
        if (!err) {
          try {
            process.kill(pid, this.signal);
          } catch (killErr) {
            err = killErr;
          }
        }
        if (err) {
          this.waiters.splice(i, 1);
          clearTimeout(timer);
          reject(new CkptError(`cannot send the ${replyType} order to ${this.label}: ${errorMessage(err)}`));
        }
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

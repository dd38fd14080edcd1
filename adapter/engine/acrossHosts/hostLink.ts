/**
 * The link between the leading coordinator of a computation across hosts and
 * the member coordinator of another host (native/README.md, "Jobs across
 * hosts"): one TCP connection, JSON lines. The member's first line joins
 * (`{"type":"join","token":...}`); then the leader sends orders `{"id":N,
 * "cmd":...}` and the member answers each with `{"re":N,...}`, in any order.
 */
import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import { CkptError } from '../ckptError';
import { readJsonLines, writeJsonLine } from '../jsonLines';

export type LinkMessage = Record<string, unknown>;

export class HostLink extends EventEmitter {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (m: LinkMessage) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  closed = false;

  constructor(readonly socket: net.Socket, public peerName: string) {
    super();
    socket.setNoDelay(true);
    socket.on('error', () => undefined); // the close that follows says it
    readJsonLines(socket, (msg) => this.onMessage(msg));
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.values()) {
        clearTimeout(w.timer);
        w.reject(new CkptError(`the link to ${this.peerName} closed`));
      }
      this.waiting.clear();
      this.emit('close');
    });
  }

  /** Sends an order; resolves with its answer (rejects on a failed answer, a timeout or the link's end). */
  request(order: LinkMessage, timeoutMs: number, what: string): Promise<LinkMessage> {
    if (this.closed) return Promise.reject(new CkptError(`the link to ${this.peerName} is closed`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new CkptError(`${this.peerName} did not answer ${what} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (m) => (m.ok === false ? reject(new CkptError(`${this.peerName}: ${String(m.error ?? 'failed without a reason')}`)) : resolve(m)),
        reject,
        timer,
      });
      this.send({ ...order, id });
    });
  }

  /** The answer to order `id` (the member's side). */
  reply(id: number, msg: LinkMessage): void {
    this.send({ ...msg, re: id });
  }

  send(msg: LinkMessage): void {
    if (!this.closed) writeJsonLine(this.socket, msg);
  }

  close(): void {
    this.socket.destroy();
  }

  /** Closes once what was sent is written (a last word is not cut off). */
  end(): void {
    this.socket.end();
  }

  private onMessage(msg: LinkMessage): void {
    if (typeof msg.re === 'number') {
      const w = this.waiting.get(msg.re);
      if (!w) return; // answered after its timeout
      this.waiting.delete(msg.re);
      clearTimeout(w.timer);
      w.resolve(msg);
      return;
    }
    this.emit('message', msg);
  }
}

/**
 * A member coordinator's side of a computation across hosts (native/README.md,
 * "Jobs across hosts"): it joins the leading coordinator with the token of its
 * invitation and carries out its orders on this host's processes: status,
 * kill, and each step of a checkpoint across hosts.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { CkptError, errorMessage } from '../ckptError';
import type { CheckpointBarrier } from '../checkpointTaker';
import type { Coordinator } from '../coordinator';
import type { HostPart } from '../manifest';
import { readManifest } from '../manifest';
import { HostLink, LinkMessage } from './hostLink';

export interface LeaderAddress {
  host: string;
  port: number;
}

/** Joins the leader; resolves once it welcomed this host. */
/** Tells the leader this host's part ended (its program exited), before the link closes. */
export function sayEnding(link: HostLink): void {
  link.send({ type: 'ending' });
}

export async function joinLeader(coordinator: Coordinator, leader: LeaderAddress, token: string, address: string): Promise<HostLink> {
  const sock = net.connect({ host: leader.host, port: leader.port });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', (err) => reject(new CkptError(`cannot reach the leading coordinator at ${leader.host}:${leader.port}: ${err.message}`)));
  });
  const link = new HostLink(sock, 'the leading host');
  const welcome = new Promise<LinkMessage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new CkptError(`the leading coordinator at ${leader.host}:${leader.port} did not answer`)), 10000);
    link.once('message', (m: LinkMessage) => {
      clearTimeout(timer);
      resolve(m);
    });
    link.once('close', () => reject(new CkptError(`the leading coordinator at ${leader.host}:${leader.port} closed the link`)));
  });
  link.send({ type: 'join', token, dir: coordinator.dir, address });
  const m = await welcome;
  if (m.type !== 'welcome') {
    link.close();
    throw new CkptError(`the leading coordinator refused this host: ${String(m.error ?? 'no reason given')}`);
  }
  new OrderTaker(coordinator, link);
  return link;
}

/** Carries out the leader's orders, one checkpoint at a time. */
class OrderTaker {
  private current?: MemberBarrier;
  /** The snapshot parts this host completed, by id: given up again if the leader aborts late. */
  private readonly completed = new Set<string>();

  constructor(private readonly coordinator: Coordinator, private readonly link: HostLink) {
    link.on('message', (m: LinkMessage) => this.take(m));
  }

  private take(order: LinkMessage): void {
    const id = typeof order.id === 'number' ? order.id : undefined;
    if (id === undefined) return;
    if (this.current?.deliver(order)) return;
    const answer = (work: () => Promise<LinkMessage>) => {
      work().then(
        (msg) => this.link.reply(id, msg),
        (err) => this.link.reply(id, { ok: false, error: errorMessage(err) }),
      );
    };
    switch (order.cmd) {
      case 'status':
        return answer(async () => ({ tables: await this.coordinator.status() }));
      case 'kill':
        return answer(async () => ({ killed: this.coordinator.kill() }));
      case 'checkpoint':
        return this.checkpoint(id, order);
      case 'abort':
        // The leader gave up after this host's part was complete: it goes too.
        return answer(async () => {
          const snapshot = String(order.snapshot ?? '');
          if (this.completed.delete(snapshot)) this.coordinator.store.delete(snapshot);
          return { type: 'aborted' };
        });
      default:
        return this.link.reply(id, { ok: false, error: `unknown order ${JSON.stringify(order.cmd)}` });
    }
  }

  private checkpoint(id: number, order: LinkMessage): void {
    const snapshot = typeof order.snapshot === 'string' ? order.snapshot : '';
    const barrier = new MemberBarrier(this.link, id);
    this.current = barrier;
    const label = typeof order.label === 'string' ? order.label : undefined;
    this.coordinator.checkpoint({ id: snapshot, kill: order.kill === true, label, barrier }).then(
      () => {
        this.current = undefined;
        const manifest = readManifest(path.join(this.coordinator.cdir.snapshot(snapshot), 'manifest.json'), snapshot);
        this.completed.add(snapshot);
        barrier.finish({ type: 'done', processes: manifest?.processes ?? [], size: manifest?.size ?? 0 });
      },
      (err) => {
        this.current = undefined;
        barrier.fail(errorMessage(err));
      },
    );
  }
}

/** This host's side of one checkpoint: answers each step, then waits for the leader's next order. */
class MemberBarrier implements CheckpointBarrier {
  /** The order the next answer is for. */
  private pending: number;
  private readonly queue: LinkMessage[] = [];
  private waiter?: (m: LinkMessage) => void;
  private abortId?: number;
  private answered = false;

  constructor(private readonly link: HostLink, orderId: number) {
    this.pending = orderId;
    link.once('close', () => this.deliver({ cmd: 'abort', reason: 'the link to the leading host closed' }));
  }

  /** An order for this checkpoint: write, go or abort. */
  deliver(order: LinkMessage): boolean {
    if (order.cmd !== 'write' && order.cmd !== 'go' && order.cmd !== 'abort') return false;
    if (this.waiter) this.waiter(order);
    else this.queue.push(order);
    return true;
  }

  async stopped(): Promise<void> {
    await this.step({ type: 'stopped' }, 'write');
  }

  async captured(): Promise<void> {
    await this.step({ type: 'captured' }, 'go');
  }

  async complete(): Promise<HostPart[]> {
    return [];
  }

  async abort(reason: string): Promise<void> {
    this.fail(reason);
  }

  finish(msg: LinkMessage): void {
    if (this.answered) return;
    this.answered = true;
    this.link.reply(this.pending, msg);
  }

  fail(reason: string): void {
    if (this.answered) return;
    this.answered = true;
    if (this.abortId !== undefined) this.link.reply(this.abortId, { type: 'aborted' });
    else this.link.reply(this.pending, { ok: false, error: reason });
  }

  private async step(answer: LinkMessage, next: string): Promise<void> {
    this.link.reply(this.pending, answer);
    const order = await new Promise<LinkMessage>((resolve) => {
      const queued = this.queue.shift();
      if (queued) return resolve(queued);
      this.waiter = (m) => {
        this.waiter = undefined;
        resolve(m);
      };
    });
    if (order.cmd === 'abort') {
      if (typeof order.id === 'number') this.abortId = order.id;
      throw new CkptError(`the snapshot was given up on another host: ${String(order.reason ?? 'no reason given')}`);
    }
    if (order.cmd !== next) throw new CkptError(`the leading host sent ${String(order.cmd)} where ${next} was due`);
    this.pending = order.id as number;
  }
}

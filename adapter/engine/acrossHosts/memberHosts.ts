/**
 * The leading coordinator's side of a computation across hosts (native/README.md,
 * "Jobs across hosts"): `ckpt-rsh` asks it to invite a host, the member
 * coordinator started there joins over TCP with the invitation's token, and
 * each checkpoint carries the synchronized protocol to every member.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { CkptError, errorMessage } from '../ckptError';
import type { CheckpointBarrier } from '../checkpointTaker';
import type { HostPart, ManifestProcess } from '../manifest';
import { packageRoot } from '../nativePaths';
import type { ProcessRow } from '../tables';
import { HostLink, LinkMessage } from './hostLink';

/** What `ckpt-rsh` needs to start a host's member coordinator (native/PROTOCOL.md, "invite"). */
export interface Invite {
  port: number;
  token: string;
  /** The member's computation directory, on its host. */
  dir: string;
  /** The `ckpt` command line there (the same installation on every host). */
  ckpt: string;
}

export interface Member {
  name: string;
  address: string;
  dir: string;
  link: HostLink;
}

/** How long a member has to join after its link opened, and how much it may send before. */
const JOIN_WAIT_MS = 10000;
const MAX_JOIN_BYTES = 64 * 1024;

export class MemberHosts {
  private server?: net.Server;
  private port?: number;
  private readonly token = randomBytes(24).toString('hex');
  /** Invited directories, by the host they were made for. */
  private readonly invited = new Map<string, string>();
  private readonly members = new Map<string, Member>();
  /** 'joined' (host name): a member was welcomed. */
  private readonly joins = new EventEmitter();
  /**
   * Hosts whose part of the computation has no coordinator joined now: invited
   * and not joined yet, or whose link closed before the member said its part
   * ended. A snapshot without their processes would be wrong.
   */
  private readonly missing = new Map<string, 'invited' | 'lost'>();

  /** `agent`: the launcher agent's words (CKPT_RSH_AGENT), recorded in each snapshot's host parts. */
  constructor(private readonly dir: string, private readonly agent: () => string[]) {}

  list(): Member[] {
    return [...this.members.values()];
  }

  /** `dir`: the directory its part of a snapshot is in (a restart), else a new one. */
  async invite(host: string, dir = path.join(this.dir, 'hosts', host.replace(/:/g, '_'))): Promise<Invite> {
    if (!/^[A-Za-z0-9._:-]{1,253}$/.test(host)) throw new CkptError(`cannot invite host ${JSON.stringify(host)}: not a host name or address`);
    const port = await this.listen();
    this.invited.set(dir, host);
    if (!this.members.has(host)) this.missing.set(host, 'invited');
    return { port, token: this.token, dir, ckpt: ckptCommand() };
  }

  /** Resolves once `host` joined; rejects if `ended` settles first (its agent ended) or after `timeoutMs`. */
  joined(host: string, ended: Promise<string>, timeoutMs: number): Promise<void> {
    if (this.members.has(host)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onJoin = (name: string) => {
        if (name === host) settle();
      };
      const timer = setTimeout(() => settle(new CkptError(`host ${host} did not join within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      const settle = (err?: Error) => {
        clearTimeout(timer);
        this.joins.off('joined', onJoin);
        if (err) reject(err);
        else resolve();
      };
      this.joins.on('joined', onJoin);
      ended.then((why) => settle(new CkptError(`host ${host} could not restore its part: ${why}`)));
    });
  }

  /**
   * The checkpoint protocol across the members joined now, for one
   * snapshot; undefined when the computation has no other host.
   */
  barrier(timeoutMs: number, kill: boolean, label: string | undefined): CheckpointBarrier | undefined {
    const [missing] = this.missing;
    if (missing) {
      const [host, why] = missing;
      throw new CkptError(why === 'invited'
        ? `checkpoint refused: host ${host} was invited, and its coordinator has not joined yet: checkpoint again in a moment`
        : `checkpoint refused: host ${host} lost its coordinator while its part of the computation runs: its processes cannot be saved`);
    }
    const members = this.list();
    return members.length === 0 ? undefined : new LeaderBarrier(members, timeoutMs, kill, label, this.agent());
  }

  /** The live tables of every member's processes, each row naming its host. */
  async statusRows(timeoutMs: number): Promise<ProcessRow[]> {
    const answers = await Promise.all(this.list().map(async (m) => ({ m, a: await m.link.request({ cmd: 'status' }, timeoutMs, 'a status order') })));
    const rows: ProcessRow[] = [];
    for (const { m, a } of answers) {
      const tables = a.tables as { processes?: ProcessRow[] } | undefined;
      for (const row of tables?.processes ?? []) rows.push({ ...row, host: m.name });
    }
    return rows;
  }

  /** SIGKILL to every member's processes; how many were signalled. */
  async kill(): Promise<number> {
    const answers = await Promise.allSettled(this.list().map((m) => m.link.request({ cmd: 'kill' }, 10000, 'a kill order')));
    return answers.reduce((n, a) => n + (a.status === 'fulfilled' && typeof a.value.killed === 'number' ? a.value.killed : 0), 0);
  }

  async close(): Promise<void> {
    for (const m of this.members.values()) m.link.close();
    this.members.clear();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }

  /** Listens once, on every address of this host (members reach it over their own network). */
  private async listen(): Promise<number> {
    if (this.port !== undefined) return this.port;
    const server = net.createServer((sock) => this.onConnection(sock));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, () => resolve());
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  private onConnection(sock: net.Socket): void {
    const link = new HostLink(sock, 'a joining host');
    const timer = setTimeout(() => link.close(), JOIN_WAIT_MS);
    // Anyone may connect to the port: until it has joined, a peer gets little room.
    let unjoinedBytes = 0;
    const guard = (chunk: Buffer | string) => {
      unjoinedBytes += chunk.length;
      if (unjoinedBytes > MAX_JOIN_BYTES) link.close();
    };
    sock.on('data', guard);
    link.once('message', (m: LinkMessage) => {
      clearTimeout(timer);
      sock.off('data', guard);
      const host = typeof m.dir === 'string' ? this.invited.get(m.dir) : undefined;
      if (m.type !== 'join' || typeof m.token !== 'string' || !sameToken(m.token, this.token) || host === undefined) {
        link.send({ type: 'refused', error: 'not invited by this coordinator' });
        link.close();
        return;
      }
      link.peerName = `host ${host}`;
      const member: Member = { name: host, address: typeof m.address === 'string' ? m.address : '', dir: m.dir as string, link };
      this.members.get(host)?.link.close();
      this.members.set(host, member);
      this.missing.delete(host);
      // A member says its part ended before it goes; a link that just closes lost it.
      let ended = false;
      link.on('message', (msg: LinkMessage) => {
        if (msg.type === 'ending') ended = true;
      });
      link.on('close', () => {
        if (this.members.get(host) !== member) return;
        this.members.delete(host);
        if (!ended) this.missing.set(host, 'lost');
      });
      link.send({ type: 'welcome' });
      this.joins.emit('joined', host);
    });
  }
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `node ckpt.js` of this installation: what a member host runs. */
function ckptCommand(): string {
  const script = path.join(packageRoot(), 'out', 'dist', 'ckpt.js');
  if (!fs.existsSync(script)) throw new CkptError(`cannot invite another host: ${script} is missing (run \`npm run build\`)`);
  return `${process.execPath} ${script}`;
}

/** One snapshot's protocol with the members, step by step (CheckpointBarrier). */
class LeaderBarrier implements CheckpointBarrier {
  /** Members that have something to undo if the snapshot is given up. */
  private readonly engaged = new Set<Member>();
  private readonly done = new Map<Member, Promise<LinkMessage>>();

  constructor(
    private readonly members: Member[],
    private readonly timeoutMs: number,
    private readonly kill: boolean,
    private readonly label: string | undefined,
    private readonly agent: string[],
  ) {}

  async stopped(id: string): Promise<void> {
    await this.each('the order to stop', (m) => {
      this.engaged.add(m);
      return m.link.request({ cmd: 'checkpoint', snapshot: id, kill: this.kill, label: this.label }, this.timeoutMs, 'the order to stop');
    });
  }

  async captured(): Promise<void> {
    await this.each('the order to save', (m) => m.link.request({ cmd: 'write' }, this.timeoutMs, 'the order to save'));
    // Everyone's state is taken: all go on, and each member completes its part.
    for (const m of this.members) {
      const answer = m.link.request({ cmd: 'go' }, this.timeoutMs, 'its part of the snapshot');
      answer.catch(() => undefined);
      this.done.set(m, answer);
    }
  }

  async complete(): Promise<HostPart[]> {
    const parts: HostPart[] = [];
    for (const m of this.members) {
      const a = await this.done.get(m)!;
      const processes = Array.isArray(a.processes) ? (a.processes as ManifestProcess[]) : [];
      if (processes.length === 0) throw new CkptError(`checkpoint failed: host ${m.name} saved no process`);
      parts.push({ name: m.name, address: m.address, dir: m.dir, agent: this.agent, processes, size: typeof a.size === 'number' ? a.size : 0 });
    }
    return parts;
  }

  async abort(reason: string): Promise<void> {
    await Promise.allSettled([...this.engaged].map((m) => m.link.request({ cmd: 'abort', reason }, 10000, 'the order to give up')));
  }

  /** One step on every member at once; fails naming the first host that failed. */
  private async each(what: string, step: (m: Member) => Promise<LinkMessage>): Promise<void> {
    const results = await Promise.allSettled(this.members.map(step));
    const i = results.findIndex((r) => r.status === 'rejected');
    if (i >= 0) throw new CkptError(`checkpoint failed on host ${this.members[i].name} (${what}): ${errorMessage((results[i] as PromiseRejectedResult).reason)}`);
  }
}

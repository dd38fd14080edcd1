import * as fs from 'node:fs';
import * as path from 'node:path';
import { CkptError, errorMessage } from './ckptError';
import { ComputationDir, imageFileName } from './computationDir';
import type { EngineConnection } from './engineConnection';
import { HostPart, Manifest, MANIFEST_FORMAT, ManifestProcess, ManifestSocket, snapshotInfo } from './manifest';
import { ImageOrderFields, ORDER_PATH_MAX, ParentImages } from './parentImages';
import { blockStoreField, dropUnsharedBlocks } from './blockStore';
import { savedFilesSummary } from './fileRecords';
import { outsideStdinBytes, pipeSkipLists } from './pipes';
import { writeFilePrivate } from './privateFs';
import { lazyInetSockets, lazyUnixPeers, processEnded, readMpiRank, readState, socketEndpoints } from './procTables';
import { releaseSnapshotId, reserveGivenSnapshotId, reserveSnapshotId } from './snapshotIds';
import { hasLiveChildren, strayChildren } from './strayChildren';
import { directRemoteLaunch } from './acrossHosts/mpiAgent';
import type { SnapshotInfo } from './tables';

export interface CheckpointOptions {
  label?: string;
  /** Stop the program once it is saved (hibernation). */
  kill?: boolean;
  /**
   * The program is held stopped by a debugger, which delivers the engine's
   * signal itself (queued on every thread): send no signal, and have every
   * thread return through the hold trap (native/PROTOCOL.md). The caller
   * queues the signals once `onOrdersSent` is called.
   */
  hold?: boolean;
  /** Called once every process's (first) order is written. */
  onOrdersSent?: () => void;
  /** A computation across hosts: the other hosts' coordinators, at each step of the protocol. */
  barrier?: CheckpointBarrier;
  /** The snapshot's id, given by the leading host's coordinator (a member's part). */
  id?: string;
}

/**
 * The synchronized protocol one level up (native/README.md, "Jobs across
 * hosts"): at each step, this host waits for the others, so that no process
 * anywhere goes on before every process everywhere is saved.
 */
export interface CheckpointBarrier {
  /** Every process here is stopped; resolves once those of every host are. */
  stopped(id: string): Promise<void>;
  /** Every process here is captured (its image written, with kill); resolves once every host's are, and all may go on. */
  captured(): Promise<void>;
  /** The other hosts' parts of the snapshot, complete: asked before the manifest is written. */
  complete(): Promise<HostPart[]>;
  /** The checkpoint failed here: the other hosts resume and drop their parts. */
  abort(reason: string): Promise<void>;
}

/** What a checkpoint needs of its coordinator. */
export interface CheckpointHost {
  readonly cdir: ComputationDir;
  /** How long one process may take to write its image. */
  readonly timeoutMs: number;
  /** The processes connected now (said hello, connection open, not known to have exited). */
  live(): EngineConnection[];
  /** The error when nothing can be ordered. */
  nothingToOrder(): CkptError;
  /** The pid of the program the coordinator started, if it runs. */
  programPid(): number | undefined;
  /** The snapshot the program was restarted from, if it was. */
  restoredFrom(): string | undefined;
  /** Folders whose whole contents the snapshots hold (absolute paths). */
  trackFolders(): string[];
  /** A process a kill:true checkpoint ends: its SIGKILL is hibernation. */
  hibernating(pid: number): void;
}

/** How long a checkpoint waits, at most, for the hello of a child forked just before it. */
const STRAY_WAIT_MS = 1000;
/** The same under a debugger, which lets such a child go only with the others (so later). */
const HELD_STRAY_WAIT_MS = 10000;
/**
 * How long a checkpoint waits, at most, for the first hello of the program it
 * started: the program may already run (and print) while its hello still waits
 * to be read on a busy machine. A program that never says hello (statically
 * linked, setuid) is refused after this.
 */
const FIRST_HELLO_WAIT_MS = 3000;
/** Rounds of newcomers (processes that said hello while the others were being stopped). */
const MAX_ROUNDS = 50;
/** How many times a lone process is ordered again when it exec'd while being ordered. */
const ALONE_ATTEMPTS = 3;

/**
 * Takes snapshots of the computation. Processes come and go while a checkpoint
 * is taken (a build forks a compiler a millisecond): one that ends before it is
 * stopped is simply not part of the snapshot (its parent's image holds it as
 * an exited child not yet reaped), and one born meanwhile is stopped and saved
 * with the others, so the first request succeeds however fast they churn.
 */
export class CheckpointTaker {
  private readonly parents = new ParentImages();
  /** The computation's last complete snapshot: the chunks of files it holds are linked, not written again. */
  private lastSnapshot?: string;

  constructor(private readonly host: CheckpointHost) {}

  async take(options: CheckpointOptions): Promise<SnapshotInfo> {
    await firstHello(this.host);
    for (let attempt = 1; ; attempt++) {
      const conns = this.host.live();
      try {
        return await this.attempt(options);
      } catch (err) {
        // Only a lone process that exec'd while ordered is worth a new order:
        // several are stopped together, and there churn is absorbed.
        const retry = !options.hold && conns.length === 1 && attempt < ALONE_ATTEMPTS && (await ended(conns[0]));
        if (!retry || this.host.live().length === 0) throw err;
      }
    }
  }

  private async attempt(options: CheckpointOptions): Promise<SnapshotInfo> {
    const conns = this.host.live().sort((a, b) => a.hello!.vpid - b.hello!.vpid);
    if (conns.length === 0) throw this.host.nothingToOrder();
    if (!options.hold) assertRunnable(conns);
    const missed = directRemoteLaunch(conns.map((c) => c.hello!));
    if (missed) throw new CkptError(`checkpoint refused: ${missed}`);
    const started = Date.now();
    const { id, partialDir } = options.id !== undefined ? reserveGivenSnapshotId(this.host.cdir, options.id) : reserveSnapshotId(this.host.cdir);
    const releases: (() => void)[] = [];
    // Processes stopped by a synchronized checkpoint, waiting for the final order.
    // Each ordered process's image path once the snapshot is complete.
    const offered = new Map<EngineConnection, string>();
    // Read when ordered: a process a --kill checkpoint ends has no environment to read afterwards.
    const ranks = new Map<number, number>();
    const files = this.filesFields();
    const blocks = blockStoreField(this.host.cdir);
    const track = this.host.trackFolders();
    const fields = (c: EngineConnection): ImageOrderFields => {
      const as = path.join(this.host.cdir.snapshot(id), imageFileName(c.hello!.vpid));
      offered.set(c, as);
      const rank = readMpiRank(c.hello!.pid);
      if (rank !== undefined) ranks.set(c.hello!.vpid, rank);
      return { ...this.parents.fields(c, as), ...blocks, ...files };
    };
    // A write order is what the engine reads its files' fields from (native/PROTOCOL.md);
    // one process, the first, saves the tracked folders.
    const writeFields = (c: EngineConnection, first: boolean) => ({ ...files, kill: options.kill === true, ...(first && track.length > 0 ? { track } : {}) });
    const sync = new StopSet(this.host, id, partialDir, options, fields, writeFields);
    try {
      for (const c of conns) releases.push(await c.lock());
      let procs: ManifestProcess[];
      // One process alone needs no rendezvous, unless it has children: then
      // it is stopped first, to see whether they all belong to the snapshot.
      // Under a debugger too: a child that gdb held at its fork says hello only
      // once the debugger lets it take the engine's signal (native/PROTOCOL.md).
      if (conns.length === 1 && !hasLiveChildren(conns[0].hello!.pid) && !options.barrier) {
        // Read before the order: with --kill the process is gone after it.
        const sockets = socketEndpoints(conns[0].hello!.pid, lazyUnixPeers());
        const order = { ...fields(conns[0]), ...(track.length > 0 ? { track } : {}) };
        procs = [withSockets(await this.alone(conns[0], partialDir, options, order), sockets)];
      } else {
        procs = await sync.saveAll(conns, releases);
      }
      for (const p of procs) if (ranks.has(p.vpid)) p.mpiRank = ranks.get(p.vpid);
      const hosts = options.barrier ? await options.barrier.complete() : [];
      const manifest = this.manifest(id, started, procs, options, hosts);
      writeFilePrivate(path.join(partialDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
      // The rename is what makes the snapshot exist: readers never see it half-written.
      fs.renameSync(partialDir, this.host.cdir.snapshot(id));
      this.lastSnapshot = id;
      const saved = new Set(procs.map((p) => p.vpid));
      this.parents.completed(new Map([...offered].filter(([c]) => saved.has(c.hello!.vpid))));
      if (options.kill) for (const p of procs) this.host.hibernating(p.pid);
      // Only now, with the snapshot safe, may a synchronized computation end.
      await sync.end(options.kill ? 'kill' : 'resume');
      return snapshotInfo(manifest);
    } catch (err) {
      fs.rmSync(partialDir, { recursive: true, force: true });
      dropUnsharedBlocks(this.host.cdir);
      if (options.id === undefined) releaseSnapshotId(this.host.cdir, id);
      await sync.end('resume');
      await options.barrier?.abort(errorMessage(err)).catch(() => undefined);
      if (err instanceof CkptError) throw err;
      throw new CkptError(`checkpoint failed: ${errorMessage(err)}`);
    } finally {
      for (const release of releases) release();
    }
  }

  /** `filesFrom`: the previous snapshot's directory, if it is still there. */
  private filesFields(): { filesFrom?: string } {
    const prev = this.lastSnapshot ?? this.host.restoredFrom();
    if (prev === undefined) return {};
    const dir = this.host.cdir.snapshot(prev);
    return Buffer.byteLength(dir) <= ORDER_PATH_MAX && fs.existsSync(path.join(dir, 'manifest.json')) ? { filesFrom: dir } : {};
  }

  private manifest(id: string, started: number, procs: ManifestProcess[], options: CheckpointOptions, hosts: HostPart[]): Manifest {
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      id,
      time: new Date(started).toISOString(),
      // the images, and the chunks of the program's files this snapshot stored anew (every host's)
      size: procs.reduce((s, p) => s + p.bytes + (p.files?.addedBytes ?? 0), 0) + hosts.reduce((s, h) => s + h.size, 0),
      root: this.rootVpid(procs),
      processes: procs,
      totalMs: Date.now() - started,
    };
    if (options.label !== undefined && options.label !== '') manifest.label = options.label;
    if (hosts.length > 0) manifest.hosts = hosts;
    // The program goes on and reads them: a restart of this snapshot reads its own input instead.
    const notSaved = options.kill ? 0 : outsideStdinBytes(procs);
    if (notSaved > 0) manifest.stdinNotSaved = notSaved;
    const track = this.host.trackFolders();
    if (track.length > 0) manifest.trackFolders = track;
    const from = this.host.restoredFrom();
    if (from !== undefined) manifest.restoredFrom = from;
    return manifest;
  }

  private rootVpid(procs: ManifestProcess[]): number {
    const launched = procs.find((p) => p.pid === this.host.programPid());
    if (launched) return launched.vpid;
    const vpids = new Set(procs.map((p) => p.vpid));
    return (procs.find((p) => !vpids.has(p.vppid)) ?? procs[0]).vpid;
  }

  /** One process: a single order; the engine stops, writes, and resumes (or dies) by itself. */
  private async alone(c: EngineConnection, partialDir: string, options: CheckpointOptions, fields: Record<string, unknown>): Promise<ManifestProcess> {
    const image = path.join(partialDir, imageFileName(c.hello!.vpid));
    const order: Record<string, unknown> = { cmd: 'checkpoint', image, ...fields, kill: options.kill === true };
    if (options.hold) order.hold = true;
    const reply = await c.request(order, 'checkpoint', this.host.timeoutMs, {
      signal: !options.hold,
      onSent: options.onOrdersSent,
    });
    return manifestProcess(c, reply, image);
  }
}

/**
 * The processes of one synchronized checkpoint (PROTOCOL.md, "sync"): all are
 * stopped before any is saved, one reader per pipe saves its waiting bytes,
 * and all stay stopped until `end` sends the final order.
 */
class StopSet {
  /** Stopped, each with its image path. */
  private readonly stopped = new Map<EngineConnection, string>();
  /** Ended before they stopped (their connection may linger a moment). */
  private readonly gone = new Set<EngineConnection>();
  /** The final order went out: a process that stops after it gets its own at once. */
  private ended = false;

  constructor(
    private readonly host: CheckpointHost,
    private readonly id: string,
    private readonly partialDir: string,
    private readonly options: CheckpointOptions,
    private readonly fields: (c: EngineConnection) => ImageOrderFields,
    private readonly writeFields: (c: EngineConnection, first: boolean) => Record<string, unknown>,
  ) {}

  /** Stops `conns` and every process born meanwhile, then has each write its image. */
  async saveAll(conns: EngineConnection[], releases: (() => void)[]): Promise<ManifestProcess[]> {
    await this.stop(conns, true);
    for (let round = 0; ; round++) {
      const fresh = await this.newcomers();
      if (fresh.length === 0) break;
      if (round >= MAX_ROUNDS) throw new CkptError('checkpoint failed: the program starts processes faster than they can be stopped');
      for (const c of fresh) releases.push(await c.lock());
      await this.stop(fresh, false);
    }
    if (this.stopped.size === 0) throw new CkptError(`checkpoint failed: every process of the program in ${this.host.cdir.dir} ended while it was being saved`);
    await this.options.barrier?.stopped(this.id);
    const members = [...this.stopped.keys()].sort((a, b) => a.hello!.vpid - b.hello!.vpid);
    // Everyone is still: the pipes' ends and the sockets' endpoints can be read from /proc without a race.
    const skip = pipeSkipLists(members.map((c) => c.hello!));
    if (this.options.kill !== true) return this.captureAll(members, skip);
    const writes = await Promise.allSettled(
      members.map(async (c) => {
        const lists = skip.get(c.hello!.vpid);
        const order = { cmd: 'write', skipPipes: lists?.pipes ?? [], skipFifos: lists?.fifos ?? [], ...this.writeFields(c, c === members[0]) };
        const reply = await c.request(order, 'checkpoint', this.host.timeoutMs, { signal: false });
        return manifestProcess(c, reply, this.stopped.get(c)!);
      }),
    );
    // A process whose write timed out is in an unknown state: it resumes on its own.
    members.forEach((c, i) => {
      const r = writes[i];
      if (r.status === 'rejected' && /did not answer/.test(errorMessage(r.reason))) this.stopped.delete(c);
    });
    const failure = writes.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    await this.options.barrier?.captured();
    const unixPeers = lazyUnixPeers();
    const inet = lazyInetSockets(members[0].hello!.pid);
    return writes.map((r) => {
      const p = (r as PromiseFulfilledResult<ManifestProcess>).value;
      return withSockets(p, socketEndpoints(p.pid, unixPeers, inet));
    });
  }

  /**
   * The end of a checkpoint that lets the program go on: each process says
   * "captured" once its state is taken, everyone is resumed, and each forked
   * writer gives the checkpoint answer when its image is complete.
   */
  private async captureAll(members: EngineConnection[], skip: ReturnType<typeof pipeSkipLists>): Promise<ManifestProcess[]> {
    const answers = members.map((c) => c.expect('checkpoint', this.host.timeoutMs, 'checkpoint'));
    const captures = await Promise.allSettled(
      members.map(async (c) => {
        const lists = skip.get(c.hello!.vpid);
        const order = { cmd: 'write', skipPipes: lists?.pipes ?? [], skipFifos: lists?.fifos ?? [], ...this.writeFields(c, c === members[0]) };
        const reply = await c.request(order, 'captured', this.host.timeoutMs, { signal: false });
        if (reply.ok !== true) throw new CkptError(`checkpoint of ${c.label} failed: ${engineError(reply)}`);
      }),
    );
    const failure = captures.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      for (const a of answers) a.cancel();
      // A process that did not answer is in an unknown state: it resumes on its own.
      members.forEach((c, i) => {
        const r = captures[i];
        if (r.status === 'rejected' && /did not answer/.test(errorMessage(r.reason))) this.stopped.delete(c);
      });
      throw failure.reason;
    }
    // Everyone is still stopped: the endpoints are those of the saved state.
    const unixPeers = lazyUnixPeers();
    const inet = lazyInetSockets(members[0].hello!.pid);
    const sockets = new Map(members.map((c) => [c, socketEndpoints(c.hello!.pid, unixPeers, inet)]));
    const images = new Map(members.map((c) => [c, this.stopped.get(c)!]));
    try {
      await this.options.barrier?.captured();
    } catch (err) {
      for (const a of answers) a.cancel();
      throw err;
    }
    // All captured: they go on while their writers finish the images.
    await this.end('resume');
    return Promise.all(
      answers.map(async (a, i) => withSockets(manifestProcess(members[i], await a.reply, images.get(members[i])!), sockets.get(members[i])!)),
    );
  }

  /** Sends the final order to every stopped process (resume, or kill after a --kill save). */
  async end(cmd: 'resume' | 'kill'): Promise<void> {
    this.ended = true;
    const conns = [...this.stopped.keys()];
    this.stopped.clear();
    await finalOrder(conns, cmd);
  }

  /** Orders `conns` to stop; those that end before they stop are left out (unless under a debugger). */
  private async stop(conns: EngineConnection[], first: boolean): Promise<void> {
    let sent = 0;
    const onSent = () => {
      if (first && ++sent === conns.length) this.options.onOrdersSent?.();
    };
    const orders = conns.map(async (c) => {
      const image = path.join(this.partialDir, imageFileName(c.hello!.vpid));
      const order: Record<string, unknown> = { cmd: 'checkpoint', image, ...this.fields(c), kill: this.options.kill === true, sync: true };
      if (this.options.hold) order.hold = true;
      const reply = await c.request(order, 'stopped', this.host.timeoutMs, { signal: !this.options.hold, onSent });
      if (reply.ok !== true) throw new CkptError(`checkpoint of ${c.label} failed: ${engineError(reply)}`);
      // Under a debugger the checkpoint gives up at the first refusal, while
      // the others may still be on their way (gdb lets each go in turn): one
      // that stops after that waits in the engine for an order, and must
      // not wait in vain, never back at the hold trap.
      if (this.ended) await finalOrder([c], 'resume');
      else this.stopped.set(c, image);
    });
    // Under a debugger a process takes its order only when the debugger lets
    // it: once one refused, the others would be waited for in vain.
    if (this.options.hold) {
      await Promise.all(orders);
      return;
    }
    const results = await Promise.allSettled(orders);
    for (let i = 0; i < conns.length; i++) {
      const r = results[i];
      if (r.status === 'fulfilled') continue;
      if (!this.options.hold && (await ended(conns[i]))) {
        this.gone.add(conns[i]); // ended before it stopped: not part of the snapshot
        continue;
      }
      throw r.reason;
    }
  }

  /**
   * Processes to stop as well: those that said hello since the others were
   * listed, and the children of stopped processes, forked an instant before,
   * whose hello is on its way. A child that never says hello runs without the
   * engine: a snapshot without it would be wrong, so the checkpoint fails.
   */
  private async newcomers(): Promise<EngineConnection[]> {
    const deadline = Date.now() + (this.options.hold ? HELD_STRAY_WAIT_MS : STRAY_WAIT_MS);
    for (;;) {
      const fresh = this.host.live().filter((c) => !this.stopped.has(c) && !this.gone.has(c));
      const pids = new Set(fresh.map((c) => c.hello!.pid));
      const strays = strayChildren([...this.stopped.keys()].map((c) => c.hello!.pid)).filter((s) => !pids.has(s.child));
      if (strays.length === 0) return fresh;
      if (Date.now() > deadline) {
        // mpirun's own ssh to another host is the likely stray of an MPI job: say so
        const missed = directRemoteLaunch([{ pid: strays[0].child, ppid: strays[0].parent }]);
        throw missed ? new CkptError(`checkpoint refused: ${missed}`) : new StrayChildError(strays[0].parent, strays[0].child);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

class StrayChildError extends CkptError {
  constructor(parent: number, child: number) {
    super(
      `process ${parent} has a child, pid ${child}, that does not run under the engine ` +
        '(statically linked, setuid, or started without LD_PRELOAD): a snapshot without it would be wrong',
    );
  }
}

/**
 * Whether the process of `c` ended (exited, or exec'd and so left this
 * connection). Its connection's end may trail the failed order a little.
 */
/** Until a process of a program that runs has said hello, or the wait is over. */
export async function firstHello(host: Pick<CheckpointHost, 'live' | 'programPid'>): Promise<void> {
  const deadline = Date.now() + FIRST_HELLO_WAIT_MS;
  while (host.live().length === 0 && host.programPid() !== undefined && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function ended(c: EngineConnection): Promise<boolean> {
  const gone = () => c.closed || c.exited || processEnded(c.hello!.pid);
  for (let i = 0; i < 20 && !gone(); i++) await new Promise((r) => setTimeout(r, 10));
  return gone();
}

/**
 * A stopped process cannot run the engine's handler: the order would wait
 * until the timeout. Say so at once instead (a debugger uses `hold`).
 */
function assertRunnable(conns: EngineConnection[]): void {
  for (const c of conns) {
    const state = readState(c.hello!.pid);
    if (state === 'T') throw new CkptError(`${c.label} is stopped (SIGSTOP or Ctrl-Z): continue it (kill -CONT ${c.hello!.pid}) and checkpoint again`);
    if (state === 't') throw new CkptError(`${c.label} is held by a debugger: continue it, or take the snapshot from the debugger`);
  }
}

/** The engine's reason for a failed answer. */
function engineError(reply: Record<string, unknown>): string {
  return typeof reply.error === 'string' ? reply.error : 'the engine gave no reason';
}

/** Checks a checkpoint answer and describes the saved process for the manifest. */
function manifestProcess(c: EngineConnection, reply: Record<string, unknown>, image: string): ManifestProcess {
  if (reply.ok !== true) throw new CkptError(`checkpoint of ${c.label} failed: ${engineError(reply)}`);
  let bytes: number;
  try {
    bytes = fs.statSync(image).size;
  } catch {
    throw new CkptError(`checkpoint of ${c.label} failed: the engine reported success but ${image} does not exist`);
  }
  // the engine's count: the image and the blocks of pages it wrote (not those it linked)
  if (typeof reply.bytes === 'number' && reply.bytes >= bytes) bytes = reply.bytes;
  const hello = c.hello!;
  const proc: ManifestProcess = { vpid: hello.vpid, pid: hello.pid, vppid: hello.vppid, ppid: hello.ppid, image: imageFileName(hello.vpid), bytes };
  if (typeof reply.pauseUs === 'number') proc.pauseUs = reply.pauseUs;
  if (typeof reply.writeUs === 'number') proc.writeUs = reply.writeUs;
  if (typeof reply.forked === 'boolean') proc.forked = reply.forked;
  if (reply.tracking === 'uffd-wp' || reply.tracking === 'hash') proc.tracking = reply.tracking;
  if (typeof reply.copied === 'number' && reply.copied > 0) proc.copiedBytes = reply.copied;
  const files = savedFilesSummary(reply.files);
  if (files && (files.saved > 0 || files.checked > 0)) proc.files = files;
  const stdin = reply.stdin as { ino?: unknown; bytes?: unknown } | undefined;
  if (stdin && typeof stdin.ino === 'number' && typeof stdin.bytes === 'number') proc.stdin = { ino: stdin.ino, bytes: stdin.bytes };
  return proc;
}

function withSockets(p: ManifestProcess, sockets: ManifestSocket[]): ManifestProcess {
  return sockets.length > 0 ? { ...p, sockets } : p;
}

/** Ends a synchronized checkpoint: every waiting process resumes, or is stopped for good. */
async function finalOrder(conns: EngineConnection[], cmd: 'resume' | 'kill'): Promise<void> {
  await Promise.allSettled(conns.filter((c) => !c.closed).map((c) => c.request({ cmd }, null, 10000, { signal: false })));
}

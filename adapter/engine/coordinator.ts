import { ChildProcess, StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cleanSpawn, spawned } from './cleanSpawn';
import { resolveProgram } from './programPath';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { CkptError, errnoCode, errorMessage } from './ckptError';
import { CheckpointOptions, CheckpointTaker, ended, firstHello } from './checkpointTaker';
import { checkImage } from './imageCheck';
import { ComputationDir } from './computationDir';
import { createCtlServer } from './ctlServer';
import type { CtlInfo, CtlReply, CtlRequest } from './ctlProtocol';
import { inUseError } from './inUse';
import { EngineConnection, EngineHello } from './engineConnection';
import { ExitStatus, exitStatus } from './exitStatus';
import { NativePaths, nativePathsUnchecked, requireNativeFile } from './nativePaths';
import { ensureDir } from './privateFs';
import { orphanedError, orphanedPids, removeIfUnused, removeLeftovers } from './orphanedProgram';
import { sigkillAll } from './sigkill';
import { assertTrustedDir, privateSubdir } from './trustedDir';
import { lazyInetSockets, linkPeers, readArgv, readFds, readSession, readUnixPeers, virtualizeSessions } from './procTables';
import { hideEngineFd } from './engineFds';
import { pluginFields, withMpiRanks } from './liveTables';
import { collectRestoredHellos } from './restoredHellos';
import type { FileNote } from './fileRecords';
import { collectNotes, NOTES_FD, restorerStdio } from './restorerNotes';
import { SnapshotStore } from './snapshotStore';
import { MemberHosts } from './acrossHosts/memberHosts';
import { mpiAgentEnv } from './acrossHosts/mpiAgent';
import { startHostRestores } from './acrossHosts/hostRestart';
import { ProcessRow, ResourceTables, SnapshotInfo, TABLES_VERSION } from './tables';
import { closeServer, listenPrivate, removeFile, socketIsLive } from './unixSocket';

import { signalFromEnv } from './engineSignal';
export type { CheckpointOptions } from './checkpointTaker';
// Kept importable from here: the debug adapter reads live tables itself while gdb holds the program.
export { ENGINE_FD_MIN, hideEngineFd } from './engineFds';
export { pluginFields } from './liveTables';

export interface CoordinatorOptions {
  /** Overrides of the native build products (tests; a packaged engine elsewhere). */
  native?: Partial<NativePaths>;
  /** Preload the engine library into launched programs (default true). */
  preload?: boolean;
  /** Signal that tells the engine an order is waiting (default: $CKPT_SIGNAL or 62). */
  signal?: number;
  /** How long one process may take to write its image (default 10 min). */
  checkpointTimeoutMs?: number;
  /** How long one process may take to answer a status order (default 30 s). */
  statusTimeoutMs?: number;
  /** argv prefix of the image inspector, for the store (tests). */
  inspectCommand?: string[];
  /** Refuse a directory that does not exist (a restart: its snapshots must be there). */
  mustExist?: boolean;
}

export interface SpawnOptions {
  cwd?: string;
  /** The program's environment (default: this process's); the engine's variables are added to it. */
  env?: NodeJS.ProcessEnv;
  /** As for child_process.spawn (default 'inherit'). */
  stdio?: StdioOptions;
}

/** How a snapshot comes back: as spawned, plus the changes to its world. */
export interface RestartOptions extends SpawnOptions {
  /** Wait for a debugger to attach before running the program (native/PROTOCOL.md). */
  hold?: boolean;
  /** Files that moved since the snapshot: `OLD=NEW` path prefixes. */
  pathMap?: string[];
  /** Environment variables the program should find changed when it reads them again: `NAME=VALUE`. */
  setEnv?: string[];
  /** Refuse the restart when a file the program only read changed since the snapshot. */
  strict?: boolean;
  /** The addresses of the computation's other hosts, restoring their parts at the same time (`--peer-host`). */
  peerHosts?: string[];
  /** The secret every host's restorer of this restart sends on the connections between hosts (64 hex digits). */
  acrossHostsSecret?: string;
}

function restartWorldArgs(options: RestartOptions): string[] {
  const args: string[] = options.strict ? ['--strict'] : [];
  for (const h of options.peerHosts ?? []) args.push('--peer-host', h);
  for (const m of options.pathMap ?? []) args.push('--path-map', m);
  for (const e of options.setEnv ?? []) args.push('--env', e);
  return args;
}

/** How the computation is replaced by a snapshot (`Coordinator.replace`). */
export interface ReplaceOptions {
  /** Hold the restored processes for a debugger (`ckpt-restore --hold`). */
  hold?: boolean;
  /** The restored program's stdio (default: that of the program it replaces). */
  stdio?: StdioOptions;
  /**
   * Called once the snapshot passed the restorer's check, just before the
   * processes of now are killed: a debugger that holds them kills them too
   * (a traced process's end is reported to its tracer first).
   */
  onReplacing?: () => void;
}

/** How long the processes of a replaced computation may take to end after SIGKILL. */
const REPLACE_KILL_TIMEOUT_MS = 30000;

/** A program the coordinator started, launched or restored. */
export interface RunningProgram {
  pid: number;
  child: ChildProcess;
  /** Settles when the program ends; rejects only when a restart failed before the program ran. */
  exited: Promise<ExitStatus>;
  /** A restart: what the restorer did with the program's files before it ran. */
  fileNotes?: Promise<FileNote[]>;
}

/**
 * Events:
 *  - 'hello' (EngineHello): a process of the computation connected (launched, forked or restored)
 *  - 'processExit' (EngineHello): a process's engine connection closed
 *  - 'exit' (ExitStatus): the program the coordinator started ended
 *  - 'snapshot' (SnapshotInfo): a snapshot was completed
 */
export class Coordinator extends EventEmitter {
  readonly cdir: ComputationDir;
  readonly store: SnapshotStore;
  /** The snapshot the current program was restarted from, if it was. */
  restoredFrom?: string;
  /** What the last replacement (`replace`) did with the program's files. */
  lastFileNotes: FileNote[] = [];
  /** Folders whose whole contents travel with the snapshots (`ckpt launch --track`); a restart takes its snapshot's. */
  trackFolders: string[] = [];
  /** The program records its clock and random values (native/lib/plugins/replay), and a snapshot
   * restored here reads them back as the original run did (`ckpt-restore --replay`). Off unless asked. */
  record = false;

  private readonly native: NativePaths;
  private readonly preload: boolean;
  private readonly signal: number;
  private readonly checkpointTimeoutMs: number;
  private readonly statusTimeoutMs: number;
  private readonly engineServer: net.Server;
  private readonly ctlServer: net.Server;
  private readonly connections = new Set<EngineConnection>();
  private readonly taker: CheckpointTaker;
  /** The coordinators of the computation's other hosts (an MPI job across hosts). */
  readonly hosts: MemberHosts;
  /** The launcher agent that reaches them (mpiAgent.ts). */
  private rshAgent = 'ssh';
  private program?: RunningProgram;
  /** Serializes checkpoints: one snapshot at a time. */
  private checkpointChain: Promise<unknown> = Promise.resolve();
  private checkpointInFlight?: Promise<unknown>;
  /** pids stopped by a successful `kill: true` checkpoint: their SIGKILL is a hibernation. */
  private readonly hibernatedPids = new Set<number>();
  /** pids whose engine said hello as a restored process. */
  private readonly restoredHellos = new Set<number>();
  /** The stdio of the program started last: a replacement gets the same. */
  private programStdio?: StdioOptions;
  /** Settles when a replacement of the computation (`replace`) is over. */
  private replacing?: Promise<unknown>;
  private closed = false;
  /** open() created the directory: close() removes it if nothing was saved there. */
  private createdDir = false;

  private constructor(dir: string, options: CoordinatorOptions) {
    super();
    this.cdir = new ComputationDir(dir);
    this.store = new SnapshotStore(this.cdir.dir, { inspectCommand: options.inspectCommand });
    this.native = { ...nativePathsUnchecked(), ...options.native };
    this.preload = options.preload ?? true;
    this.signal = options.signal ?? signalFromEnv();
    this.checkpointTimeoutMs = options.checkpointTimeoutMs ?? 10 * 60 * 1000;
    this.statusTimeoutMs = options.statusTimeoutMs ?? 30 * 1000;
    this.engineServer = net.createServer((sock) => this.onEngineConnection(sock));
    this.ctlServer = createCtlServer((req, progress) => this.handleCtl(req, progress));
    this.hosts = new MemberHosts(this.cdir.dir, () => this.rshAgent.split(/\s+/).filter(Boolean));
    this.taker = new CheckpointTaker({
      cdir: this.cdir,
      timeoutMs: this.checkpointTimeoutMs,
      live: () => this.live(),
      nothingToOrder: () => this.nothingToOrder(),
      programPid: () => this.program?.pid,
      restoredFrom: () => this.restoredFrom,
      trackFolders: () => this.trackFolders,
      hibernating: (pid) => this.hibernatedPids.add(pid),
    });
  }

  get dir(): string {
    return this.cdir.dir;
  }

  /**
   * Becomes the coordinator of computation directory `dir`: creates it (0700),
   * refuses if a live coordinator already answers there, and listens on
   * engine.sock and ctl.sock (0600).
   */
  static async open(dir: string, options: CoordinatorOptions = {}): Promise<Coordinator> {
    const c = new Coordinator(dir, options);
    const cdir = c.cdir;
    if (options.mustExist && !fs.existsSync(cdir.dir)) throw new CkptError(`there are no snapshots in ${cdir.dir}`);
    try {
      c.createdDir = ensureDir(cdir.dir);
    } catch (err) {
      if (/is not a directory$/.test(errorMessage(err))) throw new CkptError(`${cdir.dir} is not a directory`);
      throw new CkptError(`cannot create the computation directory ${cdir.dir}: ${errorMessage(err)}`);
    }
    assertTrustedDir(cdir.dir);
    privateSubdir(cdir.dir, 'snapshots');
    if (await socketIsLive(cdir.ctlSocket)) throw await inUseError(cdir);
    const orphans = orphanedPids(cdir);
    if (orphans.length > 0) throw orphanedError(cdir, orphans);
    // Nothing answers: any socket files, and any partial snapshot, are left
    // over from a coordinator that died mid-way.
    removeLeftovers(cdir);
    try {
      await listenPrivate(c.ctlServer, cdir.ctlSocket);
      await listenPrivate(c.engineServer, cdir.engineSocket);
    } catch (err) {
      await c.close();
      if (errnoCode(err) === 'EADDRINUSE') throw await inUseError(cdir);
      throw new CkptError(`cannot listen in ${cdir.dir}: ${errorMessage(err)}`);
    }
    return c;
  }

  /** The variables a program needs to run under the engine, given its own environment. */
  engineEnv(baseEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
    const env: Record<string, string> = {
      CKPT_ENGINE_SOCKET: this.cdir.engineSocket,
      CKPT_SIGNAL: String(this.signal),
    };
    if (this.record) env.CKPT_RECORD = '1';
    Object.assign(env, mpiAgentEnv(baseEnv, this.native.rsh));
    this.rshAgent = env.CKPT_RSH_AGENT ?? this.rshAgent;
    if (this.preload) {
      const lib = requireNativeFile(this.native.lib);
      const prior = baseEnv.LD_PRELOAD;
      env.LD_PRELOAD = prior ? `${lib}:${prior}` : lib;
    }
    return env;
  }

  /**
   * Removes the replay logs of programs started here before (a program about
   * to start reads none of them): the disk they take is one run's. A snapshot
   * of such a program restored later reads its clock and random values anew.
   */
  forgetReplayLogs(): void {
    fs.rmSync(path.join(this.dir, 'replay'), { recursive: true, force: true });
  }

  /** Live processes of the computation (those whose engine said hello and is still connected). */
  processes(): EngineHello[] {
    return this.live().map((c) => c.hello!);
  }

  /** Whether the computation is being replaced by a snapshot (`replace`) now. */
  get isReplacing(): boolean {
    return this.replacing !== undefined;
  }

  /** The program this coordinator started, while it runs. */
  get runningProgram(): RunningProgram | undefined {
    return this.program;
  }

  /** Starts `program` under the engine. Resolves once it is running (rejects if it cannot be started). */
  async launch(program: string, args: string[] = [], options: SpawnOptions = {}): Promise<RunningProgram> {
    this.assertIdle();
    const baseEnv = options.env ?? process.env;
    const { LD_PRELOAD: preload, ...engineVars } = this.engineEnv(baseEnv);
    const env = { ...baseEnv, ...engineVars };
    const file = resolveProgram(program, env.PATH, options.cwd);
    this.forgetReplayLogs();
    const child = cleanSpawn(file, args, { cwd: options.cwd, env, stdio: options.stdio ?? 'inherit', preload, argv0: program });
    await spawned(child, program);
    this.programStdio = options.stdio ?? 'inherit';
    this.restoredFrom = undefined;
    return this.track(child);
  }

  /**
   * Restarts snapshot `id` and resolves with the program's exit status when it ends.
   * Rejects with the restorer's message if the snapshot cannot be restored.
   */
  async restart(id: string, options: RestartOptions = {}): Promise<ExitStatus> {
    return (await this.startRestart(id, options)).exited;
  }

  /** Starts the restart of snapshot `id`; resolves once the restorer runs. */
  async startRestart(id: string, options: RestartOptions = {}): Promise<RunningProgram> {
    this.assertIdle();
    const images = await this.checkedImages(id, options);
    const others = this.store.manifest(id).hosts ?? [];
    if (others.length === 0) return this.spawnRestorer(id, images, options);
    // Every host's coordinator restores its part; the connections between hosts join them.
    this.rshAgent = others[0].agent.join(' '); // what the next snapshot records
    const acrossHostsSecret = randomBytes(32).toString('hex');
    await startHostRestores(this.hosts, id, others, acrossHostsSecret);
    return this.spawnRestorer(id, images, { ...options, peerHosts: others.map((h) => h.address), acrossHostsSecret });
  }

  /**
   * The images of snapshot `id`, the root first (the restorer rebuilds the
   * tree from their parent links), validated by the restorer with stderr
   * captured: a damaged image is refused with the restorer's own words,
   * before anything of the program runs.
   */
  private async checkedImages(id: string, options: RestartOptions): Promise<string[]> {
    const m = this.store.manifest(id);
    if (m.trackFolders) this.trackFolders = m.trackFolders;
    const root = m.processes.find((p) => p.vpid === m.root) ?? m.processes[0];
    const ordered = [root, ...m.processes.filter((p) => p !== root)];
    const images = ordered.map((p) => path.join(this.cdir.snapshot(id), p.image));
    await checkImage(requireNativeFile(this.native.restore), images, id, restartWorldArgs(options));
    return images;
  }

  private async spawnRestorer(id: string, images: string[], options: RestartOptions): Promise<RunningProgram> {
    this.assertIdle();
    const restorer = requireNativeFile(this.native.restore);
    const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), CKPT_ENGINE_SOCKET: this.cdir.engineSocket, CKPT_SIGNAL: String(this.signal) };
    if (options.acrossHostsSecret) env.CKPT_ACROSS_HOSTS_SECRET = options.acrossHostsSecret;
    const args = ['--socket', this.cdir.engineSocket, '--notes-fd', String(NOTES_FD), ...(options.hold ? ['--hold'] : []),
      ...(this.record ? ['--replay'] : []), ...restartWorldArgs(options), ...images];
    const child = cleanSpawn(restorer, args, { cwd: options.cwd, env, stdio: restorerStdio(options.stdio ?? 'inherit') });
    const fileNotes = collectNotes(child);
    await spawned(child, restorer);
    this.programStdio = options.stdio ?? 'inherit';
    this.restoredFrom = id;
    const running = this.track(child, id);
    running.fileNotes = fileNotes;
    return running;
  }

  /**
   * Replaces the computation by snapshot `id`: checks the snapshot (on any
   * problem the computation is left untouched), kills every process of the
   * computation and waits until they are gone, starts the restorer with the
   * stdio of the program it replaces, and resolves with the pids of the
   * restored processes (the root first) once each has said hello.
   * Also when nothing runs any more (a program a debugger killed).
   */
  replace(id: string, options: ReplaceOptions = {}): Promise<number[]> {
    if (this.closed) return Promise.reject(new CkptError(`the coordinator of ${this.dir} is closed`));
    if (this.replacing) return Promise.reject(new CkptError(`a snapshot is being restored in ${this.dir} already`));
    // Checkpoints asked for before this wait for nothing of it; those asked later are refused meanwhile.
    const before = this.checkpointChain;
    const run = before.then(() => this.doReplace(id, options));
    this.replacing = run.catch(() => undefined).then(() => { this.replacing = undefined; });
    return run;
  }

  private async doReplace(id: string, options: ReplaceOptions): Promise<number[]> {
    // Other hosts' parts come back only with a restart: replacing ours alone would be half a job.
    if (this.store.manifest(id).hosts) throw new CkptError(`snapshot ${id} spans hosts: end the job (\`ckpt kill\`) and bring it back with \`ckpt restart\``);
    const images = await this.checkedImages(id, {});
    const expected = this.store.manifest(id).processes.length;
    options.onReplacing?.();
    await this.endComputation();
    const hellos = collectRestoredHellos(this, id, expected);
    try {
      const running = await this.spawnRestorer(id, images, { hold: options.hold, stdio: options.stdio ?? this.programStdio ?? 'inherit' });
      const pids = await hellos.wait(running.pid, running.exited);
      this.lastFileNotes = (await running.fileNotes) ?? [];
      return pids;
    } finally {
      hellos.stop();
    }
  }

  /** SIGKILLs every process of the computation and waits until each is gone. */
  private async endComputation(): Promise<void> {
    const conns = this.live();
    const program = this.program;
    if (conns.length > 0 || program) this.kill();
    const gone = Promise.all([
      program?.exited.catch(() => undefined),
      ...conns.map((c) => new Promise<void>((resolve) => {
        if (c.closed) resolve();
        else c.once('close', () => resolve());
      })),
    ]);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), REPLACE_KILL_TIMEOUT_MS); });
    const outcome = await Promise.race([gone, late]);
    clearTimeout(timer);
    if (outcome === 'late') {
      throw new CkptError(`the processes of the computation in ${this.dir} did not end within ${REPLACE_KILL_TIMEOUT_MS / 1000} s of SIGKILL (a debugger holding them must kill or detach them)`);
    }
    // track() lets go of the program once its checkpoint bookkeeping settled.
    for (let i = 0; i < 100 && this.program === program && program; i++) await new Promise((r) => setTimeout(r, 10));
  }

  /**
   * The exit status of the computation begun with `first`: when a
   * replacement (`replace`) ends a program, the status is that of the program
   * that replaced it.
   */
  async untilEnd(first: RunningProgram): Promise<ExitStatus> {
    let current = first;
    for (;;) {
      const status = await current.exited;
      const replacing = this.replacing;
      if (!replacing) return status;
      await replacing;
      const next = this.program;
      if (!next || next === current) return status;
      current = next;
    }
  }

  /** Saves every live process of the computation as a new snapshot. */
  checkpoint(options: CheckpointOptions = {}): Promise<SnapshotInfo> {
    if (this.replacing) return Promise.reject(new CkptError(`a snapshot is being restored in ${this.dir}: checkpoint once it runs`));
    const run = async () => {
      if (options.hold && this.hosts.list().length > 0) throw new CkptError('a computation across hosts is saved by `ckpt checkpoint`, not from a debugger that holds it');
      const barrier = options.barrier ?? this.hosts.barrier(this.checkpointTimeoutMs, options.kill === true, options.label);
      const info = await this.taker.take({ ...options, barrier });
      this.emit('snapshot', info);
      return info;
    };
    const result = this.checkpointChain.then(run, run);
    this.checkpointChain = result.catch(() => undefined);
    this.checkpointInFlight = this.checkpointChain;
    return result;
  }

  /** The resource tables of the live computation. */
  async status(): Promise<ResourceTables> {
    await firstHello({ live: () => this.live(), programPid: () => this.program?.pid });
    const conns = this.live();
    if (conns.length === 0) throw this.nothingToOrder();
    // One TCP table for all (a computation shares its network namespace).
    const inet = lazyInetSockets(conns[0].hello!.pid);
    const rows = await Promise.allSettled(conns.map((c) => this.statusRow(c, inet)));
    // A process that ended while it was asked is no longer part of the program.
    const processes: ProcessRow[] = [];
    for (let i = 0; i < conns.length; i++) {
      const r = rows[i];
      if (r.status === 'fulfilled') processes.push(r.value);
      else if (!(await ended(conns[i]))) throw r.reason;
    }
    if (processes.length === 0) throw this.nothingToOrder();
    processes.sort((a, b) => a.vpid - b.vpid);
    processes.push(...(await this.hosts.statusRows(this.statusTimeoutMs)));
    virtualizeSessions(processes);
    linkPeers(processes, readUnixPeers());
    return withMpiRanks({ version: TABLES_VERSION, source: 'live', processes });
  }

  private async statusRow(c: EngineConnection, inet: ReturnType<typeof lazyInetSockets>): Promise<ProcessRow> {
    const hello = c.hello!;
    const reply = await c.order({ cmd: 'status' }, 'status', this.statusTimeoutMs);
    const threads = Array.isArray(reply.threads)
      ? (reply.threads as { vtid: number; tid: number }[]).map((t) => ({ vtid: t.vtid, tid: t.tid }))
      : [];
    const row: ProcessRow = {
      vpid: hello.vpid,
      pid: hello.pid,
      vppid: hello.vppid,
      ...readSession(hello.pid),
      argv: readArgv(hello.pid),
      threads,
      fds: hideEngineFd(readFds(hello.pid, undefined, inet)),
    };
    const plugins = pluginFields(reply);
    if (plugins) row.plugins = plugins;
    return row;
  }

  /** SIGKILLs every process of the computation; returns how many were signalled. */
  kill(): number {
    const pids = new Set(this.processes().map((h) => h.pid));
    if (this.program) pids.add(this.program.pid);
    if (pids.size === 0) throw new CkptError(`no program is running in ${this.dir}`);
    return sigkillAll(pids);
  }

  info(): CtlInfo {
    const info: CtlInfo = { coordinatorPid: process.pid, dir: this.dir, processes: this.processes() };
    if (this.program) info.programPid = this.program.pid;
    if (this.restoredFrom !== undefined) info.restoredFrom = this.restoredFrom;
    return info;
  }

  /** Stops listening and removes the sockets. The program, if any, is left running. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.connections) c.destroy();
    await this.hosts.close();
    await Promise.all([closeServer(this.ctlServer), closeServer(this.engineServer)]);
    removeFile(this.cdir.ctlSocket);
    removeFile(this.cdir.engineSocket);
    if (this.createdDir) removeIfUnused(this.cdir);
  }

  private live(): EngineConnection[] {
    return [...this.connections].filter((c) => c.hello && !c.closed && !c.exited);
  }

  /** Why no order can be given: nothing runs, or what runs never reached the engine. */
  private nothingToOrder(): CkptError {
    if (this.program) {
      return new CkptError(
        `the program in ${this.dir} (pid ${this.program.pid}) is not running under the checkpoint engine: ` +
          'it is statically linked, setuid, or cleared LD_PRELOAD, or it has not started yet',
      );
    }
    return new CkptError(`no program is running in ${this.dir}`);
  }

  private assertIdle(): void {
    if (this.closed) throw new CkptError(`the coordinator of ${this.dir} is closed`);
    if (this.program) throw new CkptError(`a program is already running in ${this.dir} (pid ${this.program.pid})`);
  }

  private onEngineConnection(sock: net.Socket): void {
    const conn = new EngineConnection(sock, this.signal);
    this.connections.add(conn);
    conn.once('hello', (hello: EngineHello) => {
      if (hello.restored) this.restoredHellos.add(hello.pid);
      this.emit('hello', hello);
    });
    conn.once('close', () => {
      this.connections.delete(conn);
      if (conn.hello) this.emit('processExit', conn.hello);
    });
  }

  private track(child: ChildProcess, restoredFrom?: string): RunningProgram {
    const pid = child.pid!;
    const exited = new Promise<ExitStatus>((resolve, reject) => {
      child.once('exit', (code, signal) => {
        // The process is gone even if its connection's EOF is still in flight:
        // no order may be sent to it any more.
        for (const conn of this.connections) if (conn.hello?.pid === pid) conn.markExited();
        void (async () => {
          // A kill:true checkpoint SIGKILLs the program right after its answer;
          // whether this exit is that hibernation is known once the checkpoint settles.
          await this.checkpointInFlight;
          const status = exitStatus(code, signal, signal === 'SIGKILL' && this.hibernatedPids.has(pid));
          this.hibernatedPids.delete(pid);
          if (this.program?.pid === pid) this.program = undefined;
          if (restoredFrom !== undefined && code === 2 && !(await this.sawRestoredHello(pid))) {
            reject(new CkptError(`cannot restart snapshot ${restoredFrom}: ckpt-restore refused it before the program ran`, true));
          } else {
            resolve(status);
          }
          this.emit('exit', status);
        })();
      });
    });
    // Callers that only watch events must not get an unhandled rejection.
    exited.catch(() => undefined);
    this.program = { pid, child, exited };
    return this.program;
  }

  /** Whether the restored process `pid` connected: proof the restorer got past its checks. */
  private async sawRestoredHello(pid: number): Promise<boolean> {
    // The hello and the exit travel different channels; let pending I/O land first.
    for (let i = 0; i < 20; i++) {
      if (this.restoredHellos.has(pid)) return true;
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.restoredHellos.has(pid);
  }

  private async handleCtl(req: CtlRequest, progress: (msg: object) => void): Promise<CtlReply> {
    switch (req.cmd) {
      case 'checkpoint': {
        const options: CheckpointOptions = { label: req.label, kill: req.kill };
        if (req.hold) {
          options.hold = true;
          options.onOrdersSent = () => progress({ sent: true });
        }
        return { ok: true, snapshot: await this.checkpoint(options) };
      }
      case 'status':
        return { ok: true, tables: await this.status() };
      case 'kill':
        return { ok: true, killed: this.kill() + (await this.hosts.kill()) };
      case 'invite':
        return { ok: true, invite: await this.hosts.invite(req.host) };
      case 'info':
        return { ok: true, info: this.info() };
      case 'restore': {
        const pids = await this.replace(req.snapshot, { hold: req.hold, onReplacing: () => progress({ replacing: true }) });
        return { ok: true, restored: { snapshot: req.snapshot, pids, files: this.lastFileNotes } };
      }
    }
  }
}

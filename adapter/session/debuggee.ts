/**
 * The program under gdb, without DAP (vscode-mock-debug's runtime): gdb, the
 * program's processes and threads, its output and terminal, and one explicit
 * state. The DAP session drives it by calls and hears from it by events;
 * the time-travel part holds it for snapshots and replaces it by restored ones.
 */
import { EventEmitter } from 'events';
import * as path from 'path';
import { GdbProcess } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { MiAsyncRecord, MiStreamRecord, MiTuple } from '../gdb/miParser';
import { miNumber, miString, miTuple } from '../gdb/miParser';
import { ctlInfo, DEFAULT_CKPT_SIGNAL, engineSignalOf, errorMessage, parseEngineSignal } from '../engine';
import { InferiorTracker } from './inferiorTracker';
import { ProgramStdio } from './programStdio';
import { LauncherFactory, ProgramLauncher, plainLauncherFactory } from './programLauncher';
import { LaunchError, LaunchPlan, checkProgram } from './programChecks';
import { MpiJob, launchArguments, loadProgram } from './mpiJob';
import { MissedStopWatch, watchMissedStops } from './missedStops';
import { shellJoin, shellQuote } from './shellQuote';
import type { TerminalRunner } from './terminalTty';
import { applySessionSettings, passSignal } from './gdbSettings';
import { GdbSetup, NO_GDB_SETUP, applyGdbSetup } from './gdbSetup';
import { StopQueue } from './stopQueue';
import type { BreakpointHits } from './breakpointHits';
import { StepRecovery } from './stepRecovery';
import { passUnseen } from './unseenStops';
import { ExpectedStop, exitCodeOf, hitBreakpointOf, isExitReason } from './stopReasons';
import { HeldProgram, ProgramRestarter, giveRestoredSymbols, leadersOf } from './heldProgram';
import type { DebuggeeEvents, DebuggeeState } from './debuggeeEvents';
import { drainInterrupt } from './pendingInterrupt';

export type { DebuggeeEvents, DebuggeeState, DebuggeeStop, OutputKind } from './debuggeeEvents';

class Deferred<T = void> {
  resolve!: (v: T) => void;
  readonly promise = new Promise<T>((r) => { this.resolve = r; });
}

export class Debuggee extends EventEmitter<DebuggeeEvents> {
  private gdb?: GdbProcess;
  private readonly inferiors = new InferiorTracker();
  private stdio?: ProgramStdio;
  private launcherOwned?: ProgramLauncher;
  private current: DebuggeeState = 'notStarted';
  /** Attached to a computation started elsewhere: disconnect detaches instead of killing. */
  private how: 'launched' | 'attached' = 'launched';
  /** The thread the client was last shown stopped. */
  private shownThread?: number;
  /** What the next reported stop was asked for. */
  private expected?: ExpectedStop;
  /** Stops that end a sequence of ours (attach, detach, a pause before a kill): never reported. */
  private readonly silentStops: Deferred[] = [];
  /** While held: gdb's stops, for the holder (see heldProgram.ts). */
  private heldStops?: StopQueue;
  private engineSignal = DEFAULT_CKPT_SIGNAL;
  private programPath?: string;
  private gdbPathAsked?: string;
  /** An Open MPI job: gdb runs mpirun, whose ranks run the program (mpiJob.ts), and its guard (missedStops.ts). */
  private mpi?: MpiJob;
  private missedStops?: MissedStopWatch;
  readonly stepRecovery = new StepRecovery();
  /** How long gdb let the program run since `takeRunMs` was last called (what a replay of it costs), and since when it runs now. */
  private runMs = 0;
  private runStartedAt?: number;

  constructor(private readonly hits: BreakpointHits, private readonly launcherFactory: LauncherFactory = plainLauncherFactory) {
    super();
  }

  get state(): DebuggeeState { return this.current; }
  get attached(): boolean { return this.how === 'attached'; }
  /** The gdb of the session, while it runs. */
  get gdbProcess(): GdbProcess | undefined { return this.gdb?.running ? this.gdb : undefined; }
  get launcher(): ProgramLauncher | undefined { return this.launcherOwned; }
  /** The launched program and the gdb asked for: a snapshot looked at without restoring reads them too (in an MPI job, each image's own). */
  get program(): string | undefined { return this.mpi ? undefined : this.programPath; }
  get gdbPath(): string | undefined { return this.gdbPathAsked; }
  get lastStoppedThread(): number | undefined { return this.shownThread; }
  /** The process of the thread the client was last shown stopped. */
  get stoppedPid(): number | undefined { return this.shownThread === undefined ? undefined : this.inferiors.inferiorOfThread(this.shownThread)?.pid; }
  get isRunning(): boolean { return this.current === 'running' && this.inferiors.liveInferiors().length > 0; }
  /** How many processes have been seen alive at some point, and how many are alive now (as gdb knows them: a child from its fork on). */
  processesSeen(): number { return this.inferiors.processesSeen(); }
  liveProcesses(): number { return this.inferiors.livePids().length; }
  livePids(): number[] { return this.inferiors.livePids(); }
  pidOfThread(thread: number): number | undefined { return this.inferiors.inferiorOfThread(thread)?.pid; }
  /** The program's running time since the last call, in ms (snapshots and restores left out). */
  takeRunMs(): number {
    const ms = this.runMs;
    this.runMs = 0;
    return ms;
  }

  // ---- starting -------------------------------------------------------------------------

  /** Everything up to running the program: gdb, the program's environment, its output. */
  async prepareLaunch(plan: LaunchPlan, terminalRunner?: TerminalRunner): Promise<void> {
    this.programPath = plan.program;
    this.gdbPathAsked = plan.gdbPath;
    this.mpi = plan.mpi;
    const gdb = await this.startGdb(plan.gdbPath, plan.cwd, plan.setup);
    if (plan.mpi) this.missedStops = watchMissedStops(gdb, () => this.inferiors.livePids());
    await loadProgram(gdb, plan, (text) => this.emit('output', 'important', text));
    await mi.environmentCd(gdb, plan.cwd);
    for (const [name, value] of Object.entries(plan.env)) {
      await mi.setInferiorEnvironment(gdb, name, value).catch((err) => { throw new LaunchError(`"env.${name}": ${errorMessage(err)}`); });
    }
    const ctx = { program: plan.program, cwd: plan.cwd, baseEnv: { ...process.env, ...plan.env }, snapshotDir: plan.snapshotDir, trackFolders: plan.trackFolders,
      deterministicReplay: plan.deterministicReplay };
    const launcher = await this.launcherFactory(ctx, plan.explicitSnapshotDir);
    this.launcherOwned = launcher;
    if (launcher.notice) this.emit('output', 'console', launcher.notice + '\n');
    const programEnv = await launcher.programEnvironment(ctx);
    const signal = parseEngineSignal(programEnv.CKPT_SIGNAL);
    if (signal !== undefined && signal !== DEFAULT_CKPT_SIGNAL) {
      await passSignal(gdb, signal);
      this.engineSignal = signal;
    }
    if (Object.keys(programEnv).length > 0) {
      const assignments = Object.entries(programEnv).map(([k, v]) => shellQuote(`${k}=${v}`)).join(' ');
      await mi.gdbSet(gdb, `exec-wrapper env ${assignments}`);
    }
    this.stdio = await ProgramStdio.open(terminalRunner, plan.cwd, path.basename(plan.program), (category, text) => this.emit('output', category, text));
    const redirections = await this.stdio.applyTo(gdb);
    await mi.execArguments(gdb, `${shellJoin(launchArguments(plan))} ${redirections}`.trim());
  }

  /** Runs the prepared program (to `main` first with `stopOnEntry`). */
  async run(stopOnEntry: boolean): Promise<void> {
    const gdb = this.requireGdb();
    this.expected = stopOnEntry ? 'entry' : undefined;
    this.current = 'running';
    try {
      await mi.execRun(gdb, { start: stopOnEntry });
    } catch (err) {
      this.current = 'stopped';
      throw new LaunchError(`gdb could not start '${this.programPath}': ${errorMessage(err)}`);
    }
  }

  private async startGdb(gdbPath: string | undefined, cwd: string, setup: GdbSetup = NO_GDB_SETUP): Promise<GdbProcess> {
    const gdb = new GdbProcess();
    this.gdb = gdb;
    gdb.on('exec', (r) => this.onExec(r));
    gdb.on('notify', (r) => this.onNotify(r));
    gdb.on('stream', (r) => this.onStream(r));
    gdb.on('other', (line) => this.emit('output', 'stdout', line + '\n'));
    gdb.on('exit', () => this.onGdbExit());
    await gdb.start({ gdbPath, cwd });
    await applySessionSettings(gdb, DEFAULT_CKPT_SIGNAL);
    await applyGdbSetup(gdb, setup, (text) => this.emit('output', 'console', text + '\n'));
    return gdb;
  }

  /**
   * Attaches gdb to every process of the computation a `ckpt launch --dir DIR`
   * runs, parents first (inferior 1 is its root). The program stays stopped
   * until `continueAttached`.
   */
  async attach(dir: string, opts: { gdbPath?: string; program?: string; setup?: GdbSetup }): Promise<void> {
    let hellos: { pid: number; vpid: number }[];
    try {
      hellos = (await ctlInfo(dir, 10000)).processes;
    } catch (err) {
      throw new LaunchError(`No computation is running in '${dir}' (${errorMessage(err)}). Start one with \`ckpt launch --dir ${dir} -- PROGRAM\`.`);
    }
    if (hellos.length === 0) throw new LaunchError(`The computation in '${dir}' has no live process to attach to.`);
    this.how = 'attached';
    const gdb = await this.startGdb(opts.gdbPath, dir, opts.setup);
    if (opts.program !== undefined) {
      const program = checkProgram(opts.program, process.cwd());
      await mi.fileExecAndSymbols(gdb, program).catch((err) => {
        throw new LaunchError(`gdb cannot load '${program}': ${errorMessage(err)}`);
      });
    }
    const ordered = [...hellos].sort((a, b) => a.vpid - b.vpid);
    for (let i = 0; i < ordered.length; i++) {
      const stopped = this.nextSilentStop();
      try {
        const group = i > 0 ? miString((await gdb.send('-add-inferior')).record.results.inferior) : undefined;
        await gdb.send(group ? `-target-attach --thread-group ${group} ${ordered[i].pid}` : `-target-attach ${ordered[i].pid}`);
      } catch (err) {
        this.silentStops.pop();
        throw new LaunchError(`gdb cannot attach to process ${ordered[i].pid}: ${errorMessage(err)}`);
      }
      await stopped;
    }
    this.current = 'stopped';
    this.engineSignal = engineSignalOf(ordered[0].pid) ?? DEFAULT_CKPT_SIGNAL;
    if (this.engineSignal !== DEFAULT_CKPT_SIGNAL) await passSignal(gdb, this.engineSignal);
    const pids = ordered.map((h) => h.pid);
    this.emit('output', 'console', `Attached to ${pids.length === 1 ? 'process' : 'processes'} ${pids.join(', ')} of the computation in ${dir}.\n`);
  }

  /** The program was running before the debugger came: it goes on, now under the debugger. */
  async continueAttached(): Promise<void> {
    const gdb = this.requireGdb();
    this.emit('moved');
    this.current = 'running';
    await mi.execContinue(gdb).catch((err) => {
      this.current = 'stopped';
      throw err;
    });
  }

  // ---- execution control ----------------------------------------------------------------

  requireGdb(): GdbProcess {
    const gdb = this.gdb;
    if (!gdb?.running) throw new Error('gdb is not running.');
    return gdb;
  }

  /** gdb, with the program stopped (or not started, or ended): what reading its state needs. */
  requireStopped(): GdbProcess {
    const gdb = this.requireGdb();
    if (this.current === 'held') throw new Error('A snapshot is being taken: wait until it is done.');
    if (this.current === 'running') throw new Error('The program is running: pause it first.');
    return gdb;
  }

  requireProgram(message = 'No program is running.'): GdbProcess {
    if (!this.gdb?.running || this.current === 'notStarted') throw new Error(message);
    return this.gdb;
  }

  /** Resumes the stopped program with `action` (continue, a step). */
  async resume(action: (gdb: GdbProcess) => Promise<void>): Promise<void> {
    const gdb = this.requireStopped();
    this.emit('moved');
    this.current = 'running';
    await action(gdb).catch((err) => {
      this.current = 'stopped';
      throw err;
    });
  }

  /** A stop that stands already (standingHits.ts), the program stopped: reported as gdb's own would be, nothing resumed. */
  showStanding(results: MiTuple): Promise<void> { return this.onStopped({ kind: 'exec', asyncClass: 'stopped', results }); }

  async pause(): Promise<void> {
    const gdb = this.requireGdb();
    if (this.current !== 'running') return;
    this.expected = 'pause';
    try {
      await mi.execInterrupt(gdb);
    } catch (err) {
      this.expected = undefined;
      throw err;
    }
  }

  /**
   * The program starts again from the beginning in the same gdb (same
   * arguments, environment, breakpoints and output).
   */
  async relaunch(): Promise<void> {
    const gdb = this.requireProgram();
    if (this.attached) {
      throw new Error('Restart without a snapshot needs a launched program; this session is attached to a computation started elsewhere (restart with a snapshot id restores it).');
    }
    if (this.current === 'held') throw new Error('A snapshot is being taken or restored: restart once it is done.');
    await this.stopSilently(gdb);
    await mi.killInferiors(gdb, this.liveInferiorNumbers());
    this.stdio?.drain();
    this.emit('moved');
    this.current = 'running';
    try {
      // The first inferior holds the program, its arguments and the output redirections of the launch.
      await gdb.send('-exec-run --thread-group i1');
    } catch (err) {
      this.current = 'stopped';
      throw new Error(`gdb could not start the program again: ${errorMessage(err)}`);
    }
  }

  /** A running program is interrupted, and the stop is not reported. */
  private async stopSilently(gdb: GdbProcess, timeoutMs?: number): Promise<void> {
    if (this.current !== 'running') return;
    const stopped = this.nextSilentStop();
    if (timeoutMs === undefined) {
      await mi.execInterrupt(gdb);
      await stopped;
      return;
    }
    await mi.execInterrupt(gdb).catch(() => undefined);
    await Promise.race([stopped, new Promise((r) => setTimeout(r, timeoutMs))]);
  }

  /** Takes out a SIGINT of an interrupt that waits in the kernel (pendingInterrupt.ts), the program stopped. */
  private drainInterrupt(gdb: GdbProcess): Promise<void> {
    const resume = async (thread: number) => {
      this.current = 'running';
      const stopped = this.nextSilentStop();
      await mi.execContinue(gdb, { thread });
      await stopped;
    };
    return drainInterrupt(gdb, this.inferiors.livePids(), resume, () => this.stopSilently(gdb, 5000));
  }

  private nextSilentStop(): Promise<void> {
    const d = new Deferred();
    this.silentStops.push(d);
    return d.promise;
  }

  private liveInferiorNumbers(): number[] {
    return this.inferiors.liveInferiors().map((i) => Number(i.id.replace(/^i/, '')));
  }

  // ---- ending -----------------------------------------------------------------------------

  /**
   * Ends the program. Stopped, gdb kills it itself (a signal would go unnoticed
   * until it resumes); running, gdb sees the processes die and reports their
   * exit. Resolves true when the program was ended without an exit to wait for.
   */
  async terminate(): Promise<boolean> {
    const gdb = this.gdb;
    if (gdb?.running && (this.current === 'stopped' || this.current === 'exited')) {
      await mi.killInferiors(gdb, this.liveInferiorNumbers()).catch(() => this.killProgram());
      this.stdio?.drain();
      return true;
    }
    this.killProgram();
    return !gdb?.running || this.current === 'notStarted';
  }

  /** Leaves the program running without the debugger (attach mode's disconnect). */
  async detach(): Promise<void> {
    const gdb = this.gdb;
    if (!gdb?.running) return;
    await this.stopSilently(gdb, 10000);
    // Left to it, a SIGINT of that interrupt would end the program once detached.
    await this.drainInterrupt(gdb);
    for (const inf of this.inferiors.liveInferiors()) {
      await gdb.send(`-target-detach --thread-group ${inf.id}`).catch(() => undefined);
    }
  }

  private killProgram(): void {
    for (const pid of this.inferiors.livePids()) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }

  /** Synchronous last resort (process exit). */
  killNow(): void {
    this.killProgram();
    this.gdb?.kill();
    this.stdio?.dispose();
  }

  /** Ends gdb and whatever it still holds, and releases the launcher. */
  async shutdown(): Promise<void> {
    // Detached processes are no longer in the table: only what gdb still holds is killed.
    this.killProgram();
    this.missedStops?.dispose();
    const gdb = this.gdb;
    if (gdb?.running) await gdb.stop();
    this.stdio?.dispose();
    this.stdio = undefined;
    const launcher = this.launcherOwned;
    this.launcherOwned = undefined;
    if (launcher) await launcher.dispose().catch(() => undefined);
  }

  // ---- held by the time-travel part --------------------------------------------------------

  /**
   * Holds the program for `work` (a snapshot, a restore): a running program is
   * interrupted first, gdb's stops go to `work` meanwhile, and afterwards a
   * program that was running runs on, unless `work` replaced it.
   */
  async hold<T>(purpose: 'snapshot' | 'restore', work: (held: HeldProgram) => Promise<T>): Promise<T> {
    const gdb = this.requireProgram(purpose === 'snapshot' ? 'No program is running.' : 'No debug session is running.');
    if (this.current === 'held') {
      throw new Error(purpose === 'snapshot' ? 'A snapshot is being taken already.' : 'A snapshot is being taken or restored already.');
    }
    const wasRunning = this.current === 'running';
    await this.stopSilently(gdb);
    // Else it outlives the snapshot, and the next Continue stops at a SIGINT the user never sent.
    await this.drainInterrupt(gdb);
    const stops = new StopQueue();
    this.heldStops = stops;
    this.current = 'held';
    let replaced = false;
    const held: HeldProgram = {
      gdb,
      signal: this.engineSignal,
      pids: () => this.inferiors.livePids(),
      nextStop: (timeoutMs) => stops.next(timeoutMs),
      threads: async () => {
        const threads = (await mi.threadInfo(gdb)).threads.map((t) => t.id);
        return { threads, leaders: leadersOf(threads, (t) => this.inferiors.inferiorOfThread(t)?.id ?? '') };
      },
      replace: (restart) => this.replace(gdb, restart, () => { replaced = true; }),
    };
    try {
      return await work(held);
    } finally {
      this.heldStops = undefined;
      if (this.current === 'held') this.current = 'stopped';
      // An interrupt of the hold's own (a thread slow to come back to the trap) may have come as it stopped: its SIGINT waits.
      await this.drainInterrupt(gdb).catch(() => undefined);
      if (!replaced) await this.release(gdb, wasRunning);
    }
  }

  /** After a hold that left the program as it was: back to the thread shown, running again if it ran. */
  private async release(gdb: GdbProcess, wasRunning: boolean): Promise<void> {
    if (this.shownThread !== undefined) await mi.threadSelect(gdb, this.shownThread).catch(() => undefined);
    if (this.current !== 'stopped' || !wasRunning || this.inferiors.liveInferiors().length === 0) return;
    this.current = 'running';
    await mi.execContinue(gdb).catch(() => { this.current = 'stopped'; });
  }

  /**
   * Replaces the held program by restarted processes: `restart` gets their
   * stdio and a callback for the moment the snapshot passed its check (gdb
   * kills the program of now then); gdb attaches to each new process. Returns
   * their pids and the threads gdb holds.
   */
  private async replace(gdb: GdbProcess, restart: ProgramRestarter, replacing: () => void): Promise<{ pids: number[]; focus?: number; threads: number[] }> {
    let killed: Promise<void> | undefined;
    const killOld = (): void => {
      replacing();
      const old = this.liveInferiorNumbers();
      this.emit('moved');
      killed = mi.killInferiors(gdb, old).then(() => { this.stdio?.drain(); }, () => { this.killProgram(); });
    };
    const stdio = this.stdio?.forRestored() ?? { stdio: 'ignore' as const, close: () => undefined };
    let restarted: { pids: number[]; focus?: number };
    try {
      restarted = await restart(stdio.stdio, killOld);
    } finally {
      stdio.close();
      await killed;
    }
    // One inferior per process: the dead ones of the old program are reused.
    // gdb prunes dead inferiors when it takes its next command, so the ones
    // left are asked of gdb itself before each attach.
    for (const pid of restarted.pids) {
      const free = (await mi.listThreadGroups(gdb)).filter((g) => g.pid === undefined).sort((a, b) => (a.id < b.id ? -1 : 1));
      const group = free[0]?.id ?? miString((await gdb.send('-add-inferior')).record.results.inferior) ?? '';
      await giveRestoredSymbols(gdb, group, pid, this.programPath, this.mpi, !!free[0]?.executable);
      const stopped = this.heldStops!.next(60000);
      await gdb.send(`-target-attach --thread-group ${group} ${pid}`).catch((err) => {
        throw new Error(`gdb cannot attach to the restored process ${pid}: ${errorMessage(err)}`);
      });
      await stopped;
    }
    const { threads } = await mi.threadInfo(gdb);
    return { ...restarted, threads: threads.map((t) => t.id) };
  }

  /** The restored program is shown stopped in process `pid` (the first thread of it), as a fresh start. */
  async showRestored(snapshotId: string, pid: number | undefined): Promise<void> {
    const { threads } = await mi.threadInfo(this.requireGdb());
    const thread = threads.find((t) => this.inferiors.inferiorOfThread(t.id)?.pid === pid)?.id ?? threads[0]?.id ?? 1;
    await this.showAt(thread);
    this.emit('restored', snapshotId, thread);
  }

  /** Runs `work` (a replay) with the program's output kept from the client (programStdio.ts). */
  withOutputMuted<T>(work: () => Promise<T>): Promise<T> {
    return this.stdio ? this.stdio.muted(work) : work();
  }

  /** After going back by re-execution: the program is shown stopped in `thread`, for `reason`. */
  async showArrived(thread: number, reason: string, description: string): Promise<void> {
    await this.showAt(thread);
    this.emit('arrived', thread, reason, description);
  }

  /** A program put in place of the one shown: nothing read before holds, hits count from here. */
  private async showAt(thread: number): Promise<void> {
    const gdb = this.requireGdb();
    this.shownThread = thread;
    this.emit('moved');
    this.hits.resetCounts();
    this.stepRecovery.clear();
    await mi.threadSelect(gdb, thread).catch(() => undefined);
  }

  // ---- gdb's records ----------------------------------------------------------------------

  private onExec(record: MiAsyncRecord): void {
    if (record.asyncClass === 'running') {
      if (this.current === 'stopped') this.current = 'running';
      if (this.current !== 'held') this.runStartedAt ??= Date.now();
      return;
    }
    if (record.asyncClass === 'stopped') {
      this.onStopped(record).catch((err) => {
        this.emit('output', 'stderr', `Internal error after a stop: ${errorMessage(err)}\n`);
      });
    }
  }

  private async onStopped(record: MiAsyncRecord): Promise<void> {
    const r = record.results;
    const reason = miString(r.reason) ?? '';
    const exit = isExitReason(reason);
    if (!this.heldStops && this.runStartedAt !== undefined) {
      this.runMs += Date.now() - this.runStartedAt;
      this.runStartedAt = undefined;
    }
    if (this.heldStops) {
      this.heldStops.push(record);
      if (!exit) return;
    }
    this.emit('moved');
    const silent = this.silentStops.shift();
    if (silent && !exit) {
      this.current = 'stopped';
      silent.resolve();
      return;
    }
    if (exit) return this.onExited(r);
    this.current = 'stopped';
    const thread = miNumber(r['thread-id']) ?? this.shownThread ?? 1;
    this.shownThread = thread;
    const endOfStep = await this.passUnseenStop(r, reason, thread);
    if (endOfStep === 'resumed') return void this.emit('passed', miString(miTuple(r.frame)?.addr) ?? '');
    this.stepRecovery.clear();
    const expected = this.expected;
    this.expected = undefined;
    this.emit('stopped', { results: r, thread, expected, endOfStep });
  }

  /** Logpoints and hits that their hit condition skips let the program go on (see unseenStops.ts). */
  private async passUnseenStop(r: MiTuple, reason: string, thread: number): Promise<boolean | 'resumed'> {
    const gdb = this.gdb;
    if (!gdb || this.expected === 'pause') return false;
    const breakpoint = hitBreakpointOf(r, this.expected);
    this.current = 'running';
    try {
      const print = (text: string): void => { this.emit('output', 'console', text); };
      const pass = await passUnseen(gdb, this.hits, this.stepRecovery, { reason, results: r, thread, breakpoint }, print);
      if (pass === 'resumed') return 'resumed';
      this.current = 'stopped';
      return pass === 'end of step';
    } catch (err) {
      this.current = 'stopped';
      this.emit('output', 'stderr', `Could not go on after ${breakpoint !== undefined ? `breakpoint ${breakpoint}` : 'a step'}: ${errorMessage(err)}\n`);
      return false;
    }
  }

  private async onExited(r: MiTuple): Promise<void> {
    this.stdio?.drain();
    const next = this.inferiors.anyLiveThread();
    if (next !== undefined && this.gdb?.running) {
      // One process of several ended; gdb stopped the others (all-stop): let them go on.
      const before = this.current;
      if (before !== 'held') this.current = 'running';
      try {
        await mi.threadSelect(this.gdb, next);
        await mi.execContinue(this.gdb);
        return;
      } catch (err) {
        if (before !== 'held') this.current = 'stopped';
        this.emit('output', 'stderr', `Could not resume the remaining processes: ${errorMessage(err)}\n`);
      }
    }
    if (this.current === 'exited') return;
    this.current = 'exited';
    this.emit('exited', exitCodeOf(r, this.inferiors.mainInferior()?.exitCode));
    this.emit('ended', 'program exited');
  }

  private onNotify(record: MiAsyncRecord): void {
    const change = this.inferiors.apply(record);
    if (record.asyncClass === 'thread-group-started') this.emit('process', this.inferiors.processesSeen() > 1 ? 'forked' : 'started');
    if (change.threadStarted !== undefined) this.emit('thread', 'started', change.threadStarted);
    if (change.threadExited !== undefined) this.emit('thread', 'exited', change.threadExited);
    if (record.asyncClass === 'breakpoint-modified') {
      const bkpt = miTuple(record.results.bkpt);
      if (bkpt) this.emit('breakpointModified', mi.toBreakpoint(bkpt));
    }
  }

  private onStream(record: MiStreamRecord): void {
    if (record.kind === 'target') {
      this.emit('output', 'stdout', record.text);
    } else if (record.kind === 'log' && /^warning:/.test(record.text)) {
      this.emit('output', 'console', record.text);
    } else if (record.kind === 'console' && /^\[(New inferior|Inferior \d+ \(process)/.test(record.text)) {
      this.emit('output', 'console', record.text);
    }
  }

  private onGdbExit(): void {
    this.stdio?.drain();
    this.emit('ended', 'gdb exited');
  }
}

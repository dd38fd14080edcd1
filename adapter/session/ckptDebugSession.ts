/**
 * The DAP session: maps DAP requests onto gdb/MI commands and gdb's async
 * records onto DAP events. The one place that knows both protocols.
 */
import * as path from 'path';
import * as fs from 'fs';
import {
  BreakpointEvent, CapabilitiesEvent, Event, ExitedEvent, Handles, InitializedEvent, LoggingDebugSession, OutputEvent,
  Source, StackFrame, StoppedEvent, TerminatedEvent, Thread, ThreadEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { CkptAttachArguments, CkptLaunchArguments, CkptRestartArguments, ResourcesChangedBody } from '../protocol';
import { Events, RESTORED_STOP_REASON } from '../protocol';
import { GdbProcess, GdbUnavailableError } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { ThreadFrame } from '../gdb/gdbCommands';
import { MiAsyncRecord, MiStreamRecord, miNumber, miString, miTuple } from '../gdb/miParser';
import { InferiorTracker } from './inferiorTracker';
import { InferiorOutput } from './inferiorOutput';
import { LauncherFactory, ProgramLauncher, plainLauncherFactory } from './programLauncher';
import { LaunchError, checkCwd, checkProgram, noDebugInfoMessage } from './programChecks';
import { shellJoin, shellQuote } from './shellQuote';
import { BorrowedTerminal } from './terminalTty';
import { releaseRestored, snapshotHeld } from './heldSnapshot';
import { StopQueue } from './stopQueue';
import { VariableStore } from './variableStore';
import { BreakpointTable } from './breakpointTable';
import { BreakpointHits } from './breakpointHits';
import { ExpectedStop, dapStopOf, exitCodeOf, hitBreakpointOf, isExitReason } from './stopReasons';
import { DataBreakpoints } from './dataBreakpoints';
import { StepRecovery } from './stepRecovery';
import { passUnseen } from './unseenStops';
import { disassemble } from './disassembly';
import { readMemory } from './memoryReader';
import type { StdioOptions } from 'child_process';
import { DEFAULT_CKPT_SIGNAL, ctlInfo, engineSignalOf, parseEngineSignal } from '../engine';

export type CkptLaunchRequestArguments = CkptLaunchArguments & DebugProtocol.LaunchRequestArguments;

/** Handlers for the `ckpt/*` custom requests; supplied when the engine is available. */
export interface CustomRequestHandler {
  handles(command: string): boolean;
  handle(command: string, args: unknown): Promise<unknown>;
  dispose?(): void;
  /** A stop is about to be reported to the client (an automatic snapshot may be taken first). */
  beforeStopReported?(reason: string): Promise<void>;
  /** The user resumed the program. */
  resumed?(): void;
  /** Step Back and Reverse Continue. */
  travel?(kind: 'stepBack' | 'reverseContinue'): Promise<void>;
  /** The DAP `restart` request naming a snapshot: restores it. */
  restoreSnapshot?(id: string): Promise<void>;
}

export interface CkptDebugSessionOptions {
  launcherFactory?: LauncherFactory;
  /** Builds the handler of `ckpt/*` requests once the program is launched. */
  customRequests?: (ctx: {
    launcher: ProgramLauncher; snapshotDir: string; session: CkptDebugSession; autoSnapshot?: CkptLaunchArguments['autoSnapshot'];
  }) => CustomRequestHandler | undefined;
  /** For `attach`: the handler of `ckpt/*` requests for a computation started by `ckpt launch`. */
  attachRequests?: (ctx: { dir: string; session: CkptDebugSession }) => CustomRequestHandler | undefined;
}

/** A snapshot restarted for the session: its pids (the root first) and the process to show stopped. */
export interface RestartedProgram {
  pids: number[];
  focus?: number;
}

export type CkptAttachRequestArguments = CkptAttachArguments & DebugProtocol.AttachRequestArguments;

class Deferred<T = void> {
  resolve!: (v: T) => void;
  readonly promise = new Promise<T>((r) => { this.resolve = r; });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class CkptDebugSession extends LoggingDebugSession {
  private static readonly live = new Set<CkptDebugSession>();

  private gdb?: GdbProcess;
  private readonly inferiors = new InferiorTracker();
  private output?: InferiorOutput;
  private terminal?: BorrowedTerminal;
  private launcher?: ProgramLauncher;
  private customHandler?: CustomRequestHandler;
  private readonly configurationDone = new Deferred();
  private clientSupportsRunInTerminal = false;

  private frames = new Handles<ThreadFrame>();
  private readonly variables = new VariableStore(() => this.requireStopped());

  /** Hit conditions and logpoints of every kind of breakpoint, by gdb number. */
  private readonly breakpointHits = new BreakpointHits();
  private readonly breakpoints = new BreakpointTable(this.breakpointHits);
  private readonly dataBreakpoints = new DataBreakpoints(this.breakpointHits);
  private readonly stepRecovery = new StepRecovery();

  private programRunning = false;
  private programStarted = false;
  private lastStoppedThread?: number;
  private pauseRequested = false;
  private entryStopPending = false;
  private terminatedSent = false;
  private exitedSent = false;
  /** Attached to a computation started elsewhere: disconnect detaches instead of killing. */
  private attached = false;
  private readonly silentStops: Deferred[] = [];
  /** While a held snapshot runs, gdb's stops belong to it (see heldSnapshot.ts). */
  private heldStops?: StopQueue;
  /** The engine's signal, when the program runs under the engine. */
  private engineSignal = DEFAULT_CKPT_SIGNAL;
  private stepBackEnabled = false;
  /** The launched program and the gdb asked for: a snapshot looked at without restoring reads them too. */
  private launchedProgram?: string;
  private launchedGdbPath?: string;

  get program(): string | undefined { return this.launchedProgram; }
  get gdbPath(): string | undefined { return this.launchedGdbPath; }

  constructor(private readonly options: CkptDebugSessionOptions = {}) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    CkptDebugSession.live.add(this);
  }

  /** Kills every program and gdb of every session now: for the adapter's exit handlers. */
  static killAll(): void {
    for (const s of CkptDebugSession.live) s.killNow();
  }

  /** Sends a custom event (`ckpt/...Changed`) to the client. */
  sendCustomEvent(event: string, body: unknown): void {
    const e = new Event(event, body) as DebugProtocol.Event;
    this.sendEvent(e);
  }

  private resourcesChanged(reason: ResourcesChangedBody['reason']): void {
    if (this.customHandler) this.sendCustomEvent(Events.resourcesChanged, { reason } satisfies ResourcesChangedBody);
  }

  /** The gdb process, for layers above (custom requests that need stop-time state). */
  get gdbProcess(): GdbProcess | undefined { return this.gdb; }
  get isStopped(): boolean { return this.programStarted && !this.programRunning; }
  /** The process of the thread the client was last shown stopped. */
  get stoppedPid(): number | undefined {
    return this.lastStoppedThread === undefined ? undefined : this.inferiors.inferiorOfThread(this.lastStoppedThread)?.pid;
  }
  pidsOfProgram(): number[] { return this.inferiors.livePids(); }

  // ---- lifecycle ------------------------------------------------------------------------

  protected initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.clientSupportsRunInTerminal = !!args.supportsRunInTerminalRequest;
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsDataBreakpoints: true,
      supportsDisassembleRequest: true,
      supportsInstructionBreakpoints: true,
      supportsReadMemoryRequest: true,
      supportsEvaluateForHovers: true,
      supportsSetVariable: true,
      supportsTerminateRequest: true,
      supportsRestartRequest: true,
      supportsSteppingGranularity: true,
      supportsStepBack: false,
    };
    this.sendResponse(response);
  }

  protected configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configurationDone.resolve();
    this.sendResponse(response);
  }

  protected async launchRequest(response: DebugProtocol.LaunchResponse, args: CkptLaunchRequestArguments): Promise<void> {
    try {
      await this.launch(args);
      this.sendResponse(response);
    } catch (err) {
      const message = err instanceof LaunchError || err instanceof GdbUnavailableError
        ? err.message
        : `Could not start the program: ${messageOf(err)}`;
      this.sendEvent(new OutputEvent(message + '\n', 'stderr'));
      this.sendErrorResponse(response, { id: 1001, format: '{_msg}', variables: { _msg: message }, showUser: true });
      await this.shutdownEverything();
    }
  }

  private async launch(args: CkptLaunchRequestArguments): Promise<void> {
    const programArg = typeof args.program === 'string' ? args.program : undefined;
    const cwd = checkCwd(args.cwd, programArg && path.isAbsolute(programArg) ? path.dirname(programArg) : process.cwd());
    const program = checkProgram(programArg, cwd);
    if (args.args !== undefined && (!Array.isArray(args.args) || args.args.some((a) => typeof a !== 'string'))) {
      throw new LaunchError('"args" must be a list of strings.');
    }
    const snapshotDir = path.resolve(cwd, args.snapshotDir ?? '.ckpt');
    this.launchedProgram = program;
    this.launchedGdbPath = args.gdbPath;

    const gdb = await this.startGdb(args.gdbPath, cwd);

    try {
      await mi.fileExecAndSymbols(gdb, program);
    } catch (err) {
      throw new LaunchError(`gdb cannot load '${program}': ${messageOf(err)}`);
    }
    if (!await mi.hasDebugInfo(gdb)) this.sendEvent(new OutputEvent(noDebugInfoMessage(program) + '\n', 'important'));
    await mi.environmentCd(gdb, cwd);

    const env = args.env ?? {};
    for (const [name, value] of Object.entries(env)) {
      if (typeof value !== 'string') throw new LaunchError(`"env.${name}" must be a string.`);
      try {
        await mi.setInferiorEnvironment(gdb, name, value);
      } catch (err) {
        throw new LaunchError(`"env.${name}": ${messageOf(err)}`);
      }
    }

    const factory = this.options.launcherFactory ?? plainLauncherFactory;
    const baseEnv: Record<string, string | undefined> = { ...process.env, ...env };
    this.launcher = await factory({ program, cwd, baseEnv, snapshotDir }, args.snapshotDir !== undefined);
    if (this.launcher.notice) this.sendEvent(new OutputEvent(this.launcher.notice + '\n', 'console'));
    const programEnv = await this.launcher.programEnvironment({ program, cwd, baseEnv, snapshotDir });
    const engineSignal = parseEngineSignal(programEnv.CKPT_SIGNAL);
    if (engineSignal !== undefined && engineSignal !== DEFAULT_CKPT_SIGNAL) {
      await mi.consoleCommand(gdb, `handle SIG${engineSignal} nostop noprint pass`);
      this.engineSignal = engineSignal;
    }
    if (Object.keys(programEnv).length > 0) {
      const assignments = Object.entries(programEnv).map(([k, v]) => shellQuote(`${k}=${v}`)).join(' ');
      await mi.gdbSet(gdb, `exec-wrapper env ${assignments}`);
    }
    this.customHandler = this.options.customRequests?.({ launcher: this.launcher, snapshotDir, session: this, autoSnapshot: args.autoSnapshot });

    let redirections = '';
    if (args.console === 'integratedTerminal' && this.clientSupportsRunInTerminal) {
      this.terminal = await BorrowedTerminal.open({
        run: (cmd, dir, title) => new Promise((resolve, reject) => {
          this.runInTerminalRequest({ kind: 'integrated', cwd: dir, args: cmd, title }, 15000, (r) => {
            if (r.success) resolve(r.body?.shellProcessId ?? r.body?.processId);
            else reject(new LaunchError(`The client could not open a terminal: ${r.message ?? 'unknown error'}`));
          });
        }),
      }, cwd, path.basename(program));
      await mi.inferiorTtySet(gdb, this.terminal.tty);
    } else {
      if (args.console === 'integratedTerminal') {
        this.sendEvent(new OutputEvent('This client cannot run programs in a terminal; the program\'s output appears here.\n', 'console'));
      }
      this.output = InferiorOutput.create((category, text) => this.sendEvent(new OutputEvent(text, category)));
      redirections = this.output.redirections();
    }
    await mi.execArguments(gdb, `${shellJoin(args.args ?? [])} ${redirections}`.trim());

    this.sendEvent(new InitializedEvent());
    await this.configurationDone.promise;

    this.entryStopPending = !!args.stopOnEntry;
    this.programStarted = true;
    this.programRunning = true;
    try {
      await mi.execRun(gdb, { start: !!args.stopOnEntry });
    } catch (err) {
      this.programRunning = false;
      throw new LaunchError(`gdb could not start '${program}': ${messageOf(err)}`);
    }
  }

  private async startGdb(gdbPath: string | undefined, cwd: string): Promise<GdbProcess> {
    const gdb = new GdbProcess();
    this.gdb = gdb;
    gdb.on('exec', (r) => this.onExec(r));
    gdb.on('notify', (r) => this.onNotify(r));
    gdb.on('stream', (r) => this.onStream(r));
    gdb.on('other', (line) => this.sendEvent(new OutputEvent(line + '\n', 'stdout')));
    gdb.on('exit', () => this.onGdbExit());
    await gdb.start({ gdbPath, cwd });

    // Async MI lets us interrupt a running program; the fork settings keep every
    // process of the program under gdb, and the checkpoint signal passes silently.
    for (const setting of [
      'mi-async on', 'pagination off', 'confirm off', 'width 0', 'height 0', 'breakpoint pending on',
      'detach-on-fork off', 'follow-fork-mode parent', 'schedule-multiple on', 'print pretty off',
      // A restored process runs as the restorer's executable: keep the program's symbols.
      'exec-file-mismatch off',
    ]) {
      await mi.gdbSet(gdb, setting);
    }
    await mi.consoleCommand(gdb, `handle SIG${DEFAULT_CKPT_SIGNAL} nostop noprint pass`);
    // The Linux target in plain all-stop mode (gdb's default runs it non-stop
    // underneath). In that mode a stop event of a second process that came in
    // together with the reported one (two processes reaching the engine's hold
    // trap at once) is kept by gdb's core, and gdb 13 may never report it when
    // that thread alone is resumed (scheduler-locking on): it polls one process
    // for events, finds none resumed there and gives up (`TARGET_WAITKIND_NO_RESUMED`,
    // ignored in async mode), and the step over the hold trap never ends. In
    // all-stop mode such an event stays with the thread in the Linux target,
    // which reports it whichever process it polls. Must be set before a program runs.
    await mi.consoleCommand(gdb, 'maint set target-non-stop off');
    return gdb;
  }

  // ---- attach: a computation started by `ckpt launch` ----------------------------------------

  protected async attachRequest(response: DebugProtocol.AttachResponse, args: CkptAttachRequestArguments): Promise<void> {
    try {
      await this.attach(args);
      this.sendResponse(response);
    } catch (err) {
      const message = err instanceof LaunchError || err instanceof GdbUnavailableError
        ? err.message
        : `Could not attach: ${messageOf(err)}`;
      this.sendEvent(new OutputEvent(message + '\n', 'stderr'));
      this.sendErrorResponse(response, { id: 1003, format: '{_msg}', variables: { _msg: message }, showUser: true });
      await this.shutdownEverything();
    }
  }

  private async attach(args: CkptAttachRequestArguments): Promise<void> {
    if (typeof args.snapshotDir !== 'string' || args.snapshotDir === '') {
      throw new LaunchError('"snapshotDir" must name the directory of a computation started by `ckpt launch --dir DIR -- PROGRAM`.');
    }
    const dir = path.resolve(args.snapshotDir);
    let hellos: { pid: number; vpid: number; vppid: number }[];
    try {
      hellos = (await ctlInfo(dir, 10000)).processes;
    } catch (err) {
      throw new LaunchError(`No computation is running in '${dir}' (${messageOf(err)}). Start one with \`ckpt launch --dir ${dir} -- PROGRAM\`.`);
    }
    if (hellos.length === 0) throw new LaunchError(`The computation in '${dir}' has no live process to attach to.`);
    this.attached = true;
    const gdb = await this.startGdb(args.gdbPath, dir);
    if (args.program !== undefined) {
      const program = checkProgram(args.program, process.cwd());
      await mi.fileExecAndSymbols(gdb, program).catch((err) => {
        throw new LaunchError(`gdb cannot load '${program}': ${messageOf(err)}`);
      });
    }
    // Parents first, so that inferior 1 is the computation's root process.
    const ordered = [...hellos].sort((a, b) => a.vpid - b.vpid);
    for (let i = 0; i < ordered.length; i++) {
      const stopped = this.nextSilentStop();
      try {
        if (i > 0) {
          const added = await gdb.send('-add-inferior');
          await gdb.send(`-target-attach --thread-group ${miString(added.record.results.inferior)} ${ordered[i].pid}`);
        } else {
          await gdb.send(`-target-attach ${ordered[i].pid}`);
        }
      } catch (err) {
        this.silentStops.pop();
        throw new LaunchError(`gdb cannot attach to process ${ordered[i].pid}: ${messageOf(err)}`);
      }
      await stopped;
    }
    this.programStarted = true;
    this.programRunning = false;
    this.engineSignal = engineSignalOf(ordered[0].pid) ?? DEFAULT_CKPT_SIGNAL;
    if (this.engineSignal !== DEFAULT_CKPT_SIGNAL) await mi.consoleCommand(gdb, `handle SIG${this.engineSignal} nostop noprint pass`);
    this.customHandler = this.options.attachRequests?.({ dir, session: this });
    this.sendEvent(new OutputEvent(`Attached to ${ordered.length === 1 ? 'process' : 'processes'} ${ordered.map((h) => h.pid).join(', ')} of the computation in ${dir}.\n`, 'console'));

    this.sendEvent(new InitializedEvent());
    await this.configurationDone.promise;
    // The program was running before we came: it goes on, now under the debugger.
    this.invalidateStopState();
    this.programRunning = true;
    await mi.execContinue(gdb).catch((err) => {
      this.programRunning = false;
      throw err;
    });
  }

  /** The next `*stopped` is ours (attach, detach) and is not reported to the client. */
  private nextSilentStop(): Promise<void> {
    const d = new Deferred();
    this.silentStops.push(d);
    return d.promise;
  }

  /** Leaves the program running without the debugger (attach mode's disconnect). */
  private async detachAll(): Promise<void> {
    const gdb = this.gdb;
    if (!gdb?.running) return;
    if (this.programRunning) {
      const stopped = this.nextSilentStop();
      await mi.execInterrupt(gdb).catch(() => undefined);
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 10000))]);
    }
    for (const inf of this.inferiors.liveInferiors()) {
      await gdb.send(`-target-detach --thread-group ${inf.id}`).catch(() => undefined);
    }
  }

  protected async disconnectRequest(response: DebugProtocol.DisconnectResponse, args?: DebugProtocol.DisconnectArguments): Promise<void> {
    if (this.attached && !args?.terminateDebuggee) await this.detachAll();
    await this.shutdownEverything();
    this.sendResponse(response);
    // Over stdio this ends the adapter process; as a server or in-process it only ends the session.
    this.shutdown();
  }

  protected async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    const gdb = this.gdb;
    if (gdb?.running && this.programStarted && !this.programRunning) {
      // A stopped program is not waited for by gdb: a signal would go unnoticed
      // until it resumes, so gdb kills it itself.
      const numbers = this.inferiors.liveInferiors().map((i) => Number(i.id.replace(/^i/, '')));
      await mi.killInferiors(gdb, numbers).catch(() => this.killProgram());
      this.output?.drain();
      this.sendResponse(response);
      this.sendTerminated();
      return;
    }
    // Running: gdb sees the processes die and reports their exit (onStopped ends the session).
    this.killProgram();
    this.sendResponse(response);
    if (!gdb?.running || !this.programStarted) this.sendTerminated();
  }

  private killProgram(): void {
    for (const pid of this.inferiors.livePids()) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }

  /** Synchronous last resort (process exit): no message can be sent any more. */
  killNow(): void {
    this.killProgram();
    this.gdb?.kill();
    this.output?.dispose();
    this.terminal?.dispose();
  }

  private async shutdownEverything(): Promise<void> {
    CkptDebugSession.live.delete(this);
    // Detached processes are no longer in the table: only what gdb still holds is killed.
    this.killProgram();
    this.customHandler?.dispose?.();
    this.customHandler = undefined;
    const gdb = this.gdb;
    if (gdb?.running) await gdb.stop();
    this.output?.dispose();
    this.output = undefined;
    this.terminal?.dispose();
    this.terminal = undefined;
    const launcher = this.launcher;
    this.launcher = undefined;
    if (launcher) await launcher.dispose().catch(() => undefined);
  }

  // ---- gdb events -------------------------------------------------------------------------

  private onExec(record: MiAsyncRecord): void {
    if (record.asyncClass === 'running') {
      this.programRunning = true;
      return;
    }
    if (record.asyncClass === 'stopped') {
      this.onStopped(record).catch((err) => {
        this.sendEvent(new OutputEvent(`Internal error after a stop: ${messageOf(err)}\n`, 'stderr'));
      });
    }
  }

  private async onStopped(record: MiAsyncRecord): Promise<void> {
    const r = record.results;
    const reason = miString(r.reason) ?? '';
    this.programRunning = false;
    if (this.heldStops) {
      this.heldStops.push(record);
      if (!reason.startsWith('exited')) return;
    }
    this.invalidateStopState();
    const silent = this.silentStops.shift();
    if (silent && !reason.startsWith('exited')) {
      silent.resolve();
      return;
    }

    if (isExitReason(reason)) {
      this.output?.drain();
      const next = this.inferiors.anyLiveThread();
      if (next !== undefined && this.gdb?.running) {
        // One process of several ended; gdb stopped the others (all-stop): let them go on.
        this.programRunning = true;
        try {
          await mi.threadSelect(this.gdb, next);
          await mi.execContinue(this.gdb);
          return;
        } catch (err) {
          this.programRunning = false;
          this.sendEvent(new OutputEvent(`Could not resume the remaining processes: ${messageOf(err)}\n`, 'stderr'));
        }
      }
        const code = exitCodeOf(r, this.inferiors.mainInferior()?.exitCode);
      this.resourcesChanged('exited');
      this.sendExited(code);
      this.sendTerminated();
      return;
    }

    const threadId = miNumber(r['thread-id']) ?? this.lastStoppedThread ?? 1;
    this.lastStoppedThread = threadId;
    const expected: ExpectedStop | undefined = this.pauseRequested ? 'pause' : this.entryStopPending ? 'entry' : undefined;
    const hitNumber = hitBreakpointOf(r, expected);
    let endOfStep = false;
    if (this.gdb && !this.pauseRequested) {
      this.programRunning = true;
      try {
        const print = (text: string): void => this.sendEvent(new OutputEvent(text, 'console'));
        const pass = await passUnseen(this.gdb, this.breakpointHits, this.stepRecovery, { reason, results: r, thread: threadId, breakpoint: hitNumber }, print);
        if (pass === 'resumed') return;
        endOfStep = pass === 'end of step';
      } catch (err) {
        this.sendEvent(new OutputEvent(`Could not go on after ${hitNumber !== undefined ? `breakpoint ${hitNumber}` : 'a step'}: ${messageOf(err)}\n`, 'stderr'));
      }
      this.programRunning = false;
    }
    this.stepRecovery.clear();
    const stop = dapStopOf(r, {
      expected,
      endOfStep,
      isInstructionBreakpoint: (id) => this.breakpoints.isInstructionBreakpoint(id),
      describeWatchpoint: (id, results) => this.dataBreakpoints.describeStop(id, results),
    });
    this.entryStopPending = false;
    this.pauseRequested = false;
    const event = new StoppedEvent(stop.reason, threadId) as DebugProtocol.StoppedEvent;
    event.body.allThreadsStopped = true;
    if (stop.description) {
      event.body.description = stop.description;
      event.body.text = stop.description;
    }
    if (stop.hitBreakpointIds) event.body.hitBreakpointIds = stop.hitBreakpointIds;
    if (this.customHandler?.beforeStopReported) {
      // Before the client hears of the stop: it must not ask for frames while threads move.
      await this.customHandler.beforeStopReported(stop.reason).catch((err) => {
        this.sendEvent(new OutputEvent(`Automatic snapshot failed: ${messageOf(err)}\n`, 'console'));
      });
    }
    this.sendEvent(event);
    this.resourcesChanged('stopped');
  }

  private onNotify(record: MiAsyncRecord): void {
    const change = this.inferiors.apply(record);
    if (record.asyncClass === 'thread-group-started') {
      this.resourcesChanged(this.inferiors.processesSeen() > 1 ? 'forked' : 'started');
    }
    if (change.threadStarted !== undefined) this.sendEvent(new ThreadEvent('started', change.threadStarted));
    if (change.threadExited !== undefined) this.sendEvent(new ThreadEvent('exited', change.threadExited));
    if (record.asyncClass === 'breakpoint-modified') {
      const bkpt = miTuple(record.results.bkpt);
      if (!bkpt) return;
      const changed = this.breakpoints.changed(mi.toBreakpoint(bkpt));
      if (changed) this.sendEvent(new BreakpointEvent('changed', changed));
    }
  }

  private onStream(record: MiStreamRecord): void {
    if (record.kind === 'target') {
      this.sendEvent(new OutputEvent(record.text, 'stdout'));
    } else if (record.kind === 'log' && /^warning:/.test(record.text)) {
      this.sendEvent(new OutputEvent(record.text, 'console'));
    } else if (record.kind === 'console' && /^\[(New inferior|Inferior \d+ \(process)/.test(record.text)) {
      this.sendEvent(new OutputEvent(record.text, 'console'));
    }
  }

  private onGdbExit(): void {
    if (this.terminatedSent) return;
    this.output?.drain();
    this.sendEvent(new OutputEvent('gdb exited.\n', 'console'));
    this.sendTerminated();
  }

  private sendExited(code: number): void {
    if (this.exitedSent) return;
    this.exitedSent = true;
    this.sendEvent(new ExitedEvent(code));
  }

  private sendTerminated(): void {
    if (this.terminatedSent) return;
    this.terminatedSent = true;
    this.sendEvent(new TerminatedEvent());
  }

  /** Frames and variables are only valid for one stop. */
  private invalidateStopState(): void {
    this.frames.reset();
    this.variables.reset();
  }

  // ---- breakpoints ------------------------------------------------------------------------

  protected async setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): Promise<void> {
    const wanted: DebugProtocol.SourceBreakpoint[] = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
    const gdb = this.gdb;
    response.body = {
      breakpoints: gdb?.running
        ? await this.breakpoints.setSourceBreakpoints(gdb, args.source.path ?? '', wanted)
        : wanted.map(() => ({ verified: false, message: 'gdb is not running' })),
    };
    this.sendResponse(response);
  }

  protected async setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): Promise<void> {
    const gdb = this.gdb;
    response.body = {
      breakpoints: gdb?.running
        ? await this.breakpoints.setFunctionBreakpoints(gdb, args.breakpoints)
        : args.breakpoints.map(() => ({ verified: false, message: 'gdb is not running' })),
    };
    this.sendResponse(response);
  }

  protected async setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): Promise<void> {
    const gdb = this.gdb;
    response.body = {
      breakpoints: gdb?.running
        ? await this.breakpoints.setInstructionBreakpoints(gdb, args.breakpoints)
        : args.breakpoints.map(() => ({ verified: false, message: 'gdb is not running' })),
    };
    this.sendResponse(response);
  }

  protected async dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): Promise<void> {
    try {
      const gdb = this.requireStopped();
      let target: { expression: string; at?: ThreadFrame } | undefined;
      if (args.variablesReference !== undefined) {
        target = this.variables.expressionOf(args.variablesReference, args.name);
        if (!target) throw new Error(`'${args.name}' cannot be watched from here: it has no expression of its own.`);
      } else {
        const at = args.frameId !== undefined ? this.frames.get(args.frameId) : undefined;
        target = { expression: args.name, at: at ?? (this.lastStoppedThread !== undefined ? { thread: this.lastStoppedThread, frame: 0 } : undefined) };
      }
      response.body = await this.dataBreakpoints.info(gdb, target.expression, target.at);
      this.sendResponse(response);
    } catch (err) {
      this.sendError(response, err);
    }
  }

  protected async setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): Promise<void> {
    const gdb = this.gdb;
    response.body = {
      breakpoints: gdb?.running
        ? await this.dataBreakpoints.set(gdb, args.breakpoints)
        : args.breakpoints.map(() => ({ verified: false, message: 'gdb is not running' })),
    };
    this.sendResponse(response);
  }

  protected async disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): Promise<void> {
    try {
      response.body = { instructions: await disassemble(this.requireStopped(), args) };
      this.sendResponse(response);
    } catch (err) {
      this.sendError(response, err);
    }
  }

  protected async readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): Promise<void> {
    try {
      response.body = await readMemory(this.requireStopped(), args);
      this.sendResponse(response);
    } catch (err) {
      this.sendError(response, err);
    }
  }

  protected setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse): void {
    this.sendResponse(response);
  }

  // ---- threads, stacks, variables -----------------------------------------------------------

  protected async threadsRequest(response: DebugProtocol.ThreadsResponse): Promise<void> {
    const gdb = this.gdb;
    if (!gdb?.running || !this.programStarted) {
      response.body = { threads: [] };
      this.sendResponse(response);
      return;
    }
    try {
      const { threads } = await mi.threadInfo(gdb);
      const several = this.inferiors.processesSeen() > 1;
      response.body = {
        threads: threads.map((t) => {
          const lwp = /LWP (\d+)/.exec(t.targetId)?.[1];
          const pid = this.inferiors.inferiorOfThread(t.id)?.pid;
          let name = t.name ? `${t.name} (${lwp ? `LWP ${lwp}` : t.targetId})` : t.targetId || `Thread ${t.id}`;
          if (several && pid !== undefined) name = `[process ${pid}] ${name}`;
          return new Thread(t.id, name);
        }),
      };
      this.sendResponse(response);
    } catch (err) {
      this.sendError(response, err);
    }
  }

  protected async stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): Promise<void> {
    const gdb = this.gdb;
    if (!gdb?.running) return this.sendError(response, 'gdb is not running');
    try {
      const start = args.startFrame ?? 0;
      const levels = args.levels && args.levels > 0 ? args.levels : 1000;
      const frames = await mi.stackListFrames(gdb, args.threadId, start, start + levels - 1);
      response.body = {
        stackFrames: frames.map((f) => {
          const id = this.frames.create({ thread: args.threadId, frame: f.level });
          const name = f.func ?? f.addr ?? '??';
          const frame = new StackFrame(id, name) as DebugProtocol.StackFrame;
          if (f.fullname && fs.existsSync(f.fullname)) {
            frame.source = new Source(path.basename(f.fullname), f.fullname);
            frame.line = f.line ?? 0;
            frame.column = 1;
          } else {
            frame.name = f.from ? `${name} (${path.basename(f.from)})` : name;
            frame.presentationHint = 'subtle';
          }
          // Every frame: the Disassembly view opens at it.
          if (f.addr) frame.instructionPointerReference = f.addr;
          return frame;
        }),
        // More may exist when the page is full; the client then asks again.
        totalFrames: start + frames.length + (frames.length === levels ? 1 : 0),
      };
      this.sendResponse(response);
    } catch (err) {
      this.sendError(response, err);
    }
  }

  protected scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const at = this.frames.get(args.frameId);
    if (!at) return this.sendError(response, 'This frame is no longer valid: the program ran since.');
    response.body = { scopes: this.variables.scopes(at) };
    this.sendResponse(response);
  }

  protected async variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): Promise<void> {
    try {
      this.requireStopped();
      response.body = { variables: await this.variables.variables(args.variablesReference) };
      this.sendResponse(response);
    } catch (err) {
      this.sendError(response, err);
    }
  }

  protected async setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): Promise<void> {
    try {
      this.requireStopped();
      response.body = { value: await this.variables.setVariable(args.variablesReference, args.name, args.value) };
      this.sendResponse(response);
    } catch (err) {
      this.sendError(response, err);
    }
  }

  protected async evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    try {
      const gdb = this.gdb;
      if (!gdb?.running) throw new Error('gdb is not running.');
      const expression = args.expression.trim();
      if (args.context === 'repl' && expression.startsWith('-exec ')) {
        // A gdb command line typed in the debug console.
        const text = await mi.consoleCommand(gdb, expression.slice(6));
        response.body = { result: text.replace(/\n$/, ''), variablesReference: 0 };
        return this.sendResponse(response);
      }
      if (!this.programStarted) {
        // Before the program runs: constants, sizes, types.
        response.body = { result: await mi.dataEvaluateExpression(gdb, expression), variablesReference: 0 };
        return this.sendResponse(response);
      }
      if (this.programRunning) throw new Error('The program is running: pause it to evaluate expressions.');
      this.requireStopped();
      let at = args.frameId !== undefined ? this.frames.get(args.frameId) : undefined;
      if (args.frameId !== undefined && !at) throw new Error('This frame is no longer valid: the program ran since.');
      if (!at && this.lastStoppedThread !== undefined) at = { thread: this.lastStoppedThread, frame: 0 };
      response.body = await this.variables.evaluate(expression, at);
      this.sendResponse(response);
    } catch (err) {
      this.sendError(response, err);
    }
  }

  // ---- execution control ----------------------------------------------------------------------

  private requireStopped(): GdbProcess {
    const gdb = this.gdb;
    if (!gdb?.running) throw new Error('gdb is not running.');
    if (this.heldStops) throw new Error('A snapshot is being taken: wait until it is done.');
    if (this.programRunning) throw new Error('The program is running: pause it first.');
    return gdb;
  }

  private async resume(response: DebugProtocol.Response, action: (gdb: GdbProcess) => Promise<void>): Promise<void> {
    try {
      const gdb = this.requireStopped();
      this.invalidateStopState();
      this.programRunning = true;
      this.customHandler?.resumed?.();
      await action(gdb).catch((err) => { this.programRunning = false; throw err; });
      this.sendResponse(response);
    } catch (err) {
      this.sendError(response, err);
    }
  }

  protected continueRequest(response: DebugProtocol.ContinueResponse): Promise<void> {
    response.body = { allThreadsContinued: true };
    this.stepRecovery.clear();
    return this.resume(response, (gdb) => mi.execContinue(gdb));
  }

  protected nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): Promise<void> {
    return this.resume(response, async (gdb) => {
      if (args.granularity === 'instruction') {
        this.stepRecovery.clear();
        return mi.execNextInstruction(gdb, args.threadId);
      }
      await this.stepRecovery.begin(gdb, 'next', args.threadId);
      await mi.execNext(gdb, args.threadId);
    });
  }

  protected stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): Promise<void> {
    return this.resume(response, async (gdb) => {
      if (args.granularity === 'instruction') {
        this.stepRecovery.clear();
        return mi.execStepInstruction(gdb, args.threadId);
      }
      await this.stepRecovery.begin(gdb, 'stepIn', args.threadId);
      await mi.execStep(gdb, args.threadId);
    });
  }

  protected stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): Promise<void> {
    return this.resume(response, async (gdb) => {
      await this.stepRecovery.begin(gdb, 'stepOut', args.threadId);
      await mi.execFinish(gdb, { thread: args.threadId, frame: 0 });
    });
  }

  /**
   * `restart` with a snapshot (`arguments.snapshot`, or `restartFromSnapshot` in
   * the launch configuration the client sends back) restores it, as
   * `ckpt/restoreSnapshot` does. Without one the program starts again.
   */
  protected async restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): Promise<void> {
    try {
      const a = (args?.arguments ?? {}) as CkptRestartArguments;
      const id = a.snapshot ?? a.restartFromSnapshot;
      if (id === undefined) {
        await this.relaunch();
        return this.sendResponse(response);
      }
      if (typeof id !== 'string' || id === '') throw new Error('"snapshot" must be a non-empty string (a snapshot id).');
      this.requireProgram();
      if (!this.customHandler?.restoreSnapshot) {
        throw new Error(`Restarting from a snapshot needs the checkpoint engine, which is not running for this session${this.launcher?.notice ? ` (${this.launcher.notice})` : ''}.`);
      }
      await this.customHandler.restoreSnapshot(id);
      this.sendResponse(response);
    } catch (err) {
      this.sendError(response, err);
    }
  }

  /**
   * `restart` without a snapshot: the program starts again from the beginning
   * in the same gdb (same arguments, environment, breakpoints and output). The
   * launch configuration the client sends along is not re-read: changing it
   * needs a new debug session.
   */
  private async relaunch(): Promise<void> {
    this.requireProgram();
    const gdb = this.gdb!;
    if (this.attached) {
      throw new Error('Restart without a snapshot needs a launched program; this session is attached to a computation started elsewhere (restart with a snapshot id restores it).');
    }
    if (this.heldStops) throw new Error('A snapshot is being taken or restored: restart once it is done.');
    if (this.programRunning) {
      const stopped = this.nextSilentStop();
      await mi.execInterrupt(gdb);
      await stopped;
    }
    const live = this.inferiors.liveInferiors().map((i) => Number(i.id.replace(/^i/, '')));
    await mi.killInferiors(gdb, live);
    this.output?.drain();
    this.invalidateStopState();
    this.programRunning = true;
    try {
      // The first inferior holds the program, its arguments and the output redirections of the launch.
      await gdb.send('-exec-run --thread-group i1');
    } catch (err) {
      this.programRunning = false;
      throw new Error(`gdb could not start the program again: ${messageOf(err)}`);
    }
    // The program is no longer at any snapshot of the history.
    this.customHandler?.resumed?.();
  }

  private requireProgram(): void {
    if (!this.gdb?.running || !this.programStarted) throw new Error('No program is running.');
  }

  protected stepBackRequest(response: DebugProtocol.StepBackResponse): Promise<void> {
    return this.travel(response, 'stepBack');
  }

  protected reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): Promise<void> {
    return this.travel(response, 'reverseContinue');
  }

  private async travel(response: DebugProtocol.Response, kind: 'stepBack' | 'reverseContinue'): Promise<void> {
    try {
      this.requireStopped();
      if (!this.customHandler?.travel) throw new Error('Going back needs the checkpoint engine, which is not running for this session.');
      await this.customHandler.travel(kind);
      this.sendResponse(response);
    } catch (err) {
      this.sendError(response, err);
    }
  }

  get isRunning(): boolean {
    return this.programStarted && this.programRunning && this.inferiors.liveInferiors().length > 0 && !this.heldStops;
  }

  enableStepBack(): void {
    if (this.stepBackEnabled) return;
    this.stepBackEnabled = true;
    this.sendEvent(new CapabilitiesEvent({ supportsStepBack: true }));
  }

  note(text: string): void {
    this.sendEvent(new OutputEvent(text + '\n', 'console'));
  }

  protected async pauseRequest(response: DebugProtocol.PauseResponse): Promise<void> {
    try {
      const gdb = this.gdb;
      if (!gdb?.running) throw new Error('gdb is not running.');
      if (!this.programRunning) return this.sendResponse(response);
      this.pauseRequested = true;
      await mi.execInterrupt(gdb);
      this.sendResponse(response);
    } catch (err) {
      this.pauseRequested = false;
      this.sendError(response, err);
    }
  }

  // ---- snapshots while gdb holds the program ----------------------------------------------------

  /**
   * Runs `checkpoint` (an engine order sent without a signal) while every thread
   * passes through the engine and comes back exactly where it was. A running
   * program is paused for it and then resumed; a stopped one stays stopped.
   */
  async whileHeld<T>(checkpoint: (ordersSent: () => void) => Promise<T>): Promise<T> {
    const gdb = this.gdb;
    if (!gdb?.running || !this.programStarted) throw new Error('No program is running.');
    if (this.heldStops) throw new Error('A snapshot is being taken already.');
    const wasRunning = this.programRunning;
    if (wasRunning) {
      const stopped = this.nextSilentStop();
      await mi.execInterrupt(gdb);
      await stopped;
    }
    const held = new StopQueue();
    this.heldStops = held;
    try {
      const { threads } = await mi.threadInfo(gdb);
      // A leader per process that has several threads (a single thread has no followers to race).
      const byProcess = new Map<string, number[]>();
      for (const t of threads) {
        const inferior = this.inferiors.inferiorOfThread(t.id)?.id ?? '';
        byProcess.set(inferior, [...(byProcess.get(inferior) ?? []), t.id]);
      }
      const leaders = new Map([...byProcess].filter(([, ids]) => ids.length > 1).map(([inf, ids]) => [inf, ids[0]]));
      return await snapshotHeld({
        gdb,
        pids: this.inferiors.livePids(),
        signal: this.engineSignal,
        threads: threads.map((t) => t.id),
        leaders: [...leaders.values()],
        nextStop: (timeoutMs) => held.next(timeoutMs),
      }, checkpoint);
    } finally {
      this.heldStops = undefined;
      this.programRunning = false;
      if (this.lastStoppedThread !== undefined) await mi.threadSelect(gdb, this.lastStoppedThread).catch(() => undefined);
      if (wasRunning && this.inferiors.liveInferiors().length > 0) {
        this.programRunning = true;
        await mi.execContinue(gdb).catch(() => { this.programRunning = false; });
      }
    }
  }

  /**
   * Ends the current program and takes over snapshot `snapshotId`, restarted by
   * `restart` held for the debugger: gdb attaches to each of its processes and
   * brings every thread to the instruction it was saved at, then the client is
   * told the program stopped there. Launched or attached alike: the
   * computation's coordinator (ours, or the `ckpt launch` process) checks the
   * snapshot and restarts it; a snapshot it refuses leaves the program as it was.
   */
  async restoreHeld(snapshotId: string, restart: (stdio: StdioOptions, onReplacing: () => void) => Promise<RestartedProgram>): Promise<void> {
    const gdb = this.gdb;
    if (!gdb?.running || !this.programStarted) throw new Error('No debug session is running.');
    if (this.heldStops) throw new Error('A snapshot is being taken or restored already.');

    const wasRunning = this.programRunning;
    if (wasRunning) {
      const stopped = this.nextSilentStop();
      await mi.execInterrupt(gdb);
      await stopped;
    }
    // The program of now goes once the snapshot passed its check: gdb kills
    // what it holds (the coordinator's SIGKILL alone would wait for gdb).
    let killed: Promise<void> | undefined;
    const killOld = (): void => {
      const old = this.inferiors.liveInferiors().map((i) => Number(i.id.replace(/^i/, '')));
      this.invalidateStopState();
      killed = mi.killInferiors(gdb, old).then(() => { this.output?.drain(); }, () => { this.killProgram(); });
    };

    const held = new StopQueue();
    this.heldStops = held;
    const nextStop = (timeoutMs: number): Promise<MiAsyncRecord> => held.next(timeoutMs);
    let refused = false;
    try {
      let pids: number[];
      let focus: number | undefined;
      const fds: number[] = [];
      try {
        let stdio: StdioOptions = 'ignore';
        if (this.output) {
          fds.push(...this.output.openWriters());
          stdio = ['ignore', fds[0], fds[1]];
        } else if (this.terminal) {
          const tty = fs.openSync(this.terminal.tty, 'r+');
          fds.push(tty);
          stdio = [tty, tty, tty];
        }
        ({ pids, focus } = await restart(stdio, killOld));
      } finally {
        for (const fd of fds) fs.closeSync(fd);
        await killed;
      }

      // One inferior per process: the dead ones of the old program are reused.
      const free = [...this.inferiors.inferiors.values()].filter((i) => !i.live).map((i) => i.id).sort();
      for (const pid of pids) {
        let group = free.shift();
        if (!group) group = miString((await gdb.send('-add-inferior')).record.results.inferior) ?? '';
        const stopped = nextStop(60000);
        await gdb.send(`-target-attach --thread-group ${group} ${pid}`).catch((err) => {
          throw new Error(`gdb cannot attach to the restored process ${pid}: ${messageOf(err)}`);
        });
        await stopped;
      }
      const { threads } = await mi.threadInfo(gdb);
      await releaseRestored({ gdb, pids, signal: this.engineSignal, threads: threads.map((t) => t.id), leaders: [], nextStop });
      const shown = focus !== undefined && pids.includes(focus) ? focus : pids[0];
      this.lastStoppedThread = threads.find((t) => this.inferiors.inferiorOfThread(t.id)?.pid === shown)?.id ?? threads[0]?.id;
    } catch (err) {
      refused = !killed;
      throw err;
    } finally {
      this.heldStops = undefined;
      this.programRunning = false;
      // Refused before anything was touched: the program goes on as it was.
      if (refused && wasRunning) {
        this.programRunning = true;
        await mi.execContinue(gdb).catch(() => { this.programRunning = false; });
      }
    }
    this.invalidateStopState();
    this.breakpointHits.resetCounts();
    this.stepRecovery.clear();
    const threadId = this.lastStoppedThread ?? 1;
    await mi.threadSelect(gdb, threadId).catch(() => undefined);
    this.resourcesChanged('restored');
    const event = new StoppedEvent(RESTORED_STOP_REASON, threadId) as DebugProtocol.StoppedEvent;
    event.body.allThreadsStopped = true;
    event.body.description = `Restored snapshot ${snapshotId}`;
    event.body.text = `Restored snapshot ${snapshotId}`;
    this.sendEvent(event);
  }

  // ---- custom requests ------------------------------------------------------------------------

  protected async customRequest(command: string, response: DebugProtocol.Response, args: unknown): Promise<void> {
    if (!command.startsWith('ckpt/')) return super.customRequest(command, response, args);
    try {
      if (!this.customHandler) {
        throw new Error(`'${command}' needs the checkpoint engine, which is not running for this session${this.launcher?.notice ? ` (${this.launcher.notice})` : ''}.`);
      }
      if (!this.customHandler.handles(command)) {
        throw new Error(`'${command}' is not a request of this debug adapter.`);
      }
      response.body = await this.customHandler.handle(command, args);
      this.sendResponse(response);
    } catch (err) {
      this.sendError(response, err);
    }
  }

  /** An error response carrying the message as is (gdb's words, or ours). */
  private sendError(response: DebugProtocol.Response, err: unknown): void {
    const message = typeof err === 'string' ? err : messageOf(err);
    // The `_` prefix lets the library put the text in without treating it as private data.
    this.sendErrorResponse(response, { id: 1002, format: '{_msg}', variables: { _msg: message } });
  }
}

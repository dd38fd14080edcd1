/**
 * The DAP session: each request becomes a call on the debuggee (gdb and the
 * program, debuggee.ts) or on time travel (snapshots and going back,
 * timeTravel.ts); their events become DAP events. The one place that knows DAP.
 */
import {
  BreakpointEvent, CapabilitiesEvent, Event, ExitedEvent, Handles, InitializedEvent, InvalidatedEvent, LoggingDebugSession,
  OutputEvent, StoppedEvent, TerminatedEvent, ThreadEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { CkptAttachArguments, CkptLaunchArguments, CkptRestartArguments, ResourcesChangedBody } from '../protocol';
import { Events, RESTORED_STOP_REASON } from '../protocol';
import { GdbUnavailableError } from '../gdb/gdbProcess';
import type { GdbProcess } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { ThreadFrame } from '../gdb/gdbCommands';
import { Debuggee, DebuggeeStop } from './debuggee';
import type { Computation } from './computation';
import { TimeTravel } from './timeTravel';
import type { ResumeKind } from './stopTimeline';
import { LauncherFactory, ProgramLauncher } from './programLauncher';
import { LaunchError, checkLaunch } from './programChecks';
import type { TerminalRunner } from './terminalTty';
import { VariableStore } from './variableStore';
import { BreakpointTable } from './breakpointTable';
import { BreakpointHits } from './breakpointHits';
import { DataBreakpoints } from './dataBreakpoints';
import { dapStopOf } from './stopReasons';
import { disassemble } from './disassembly';
import { readMemory } from './memoryReader';
import { dapFrame, dapThreads } from './stackPresentation';
import { ckptRequest } from './customRequests';
import { SignalStop, exceptionInfoOf, signalStopOf } from './exceptionInfo';
import { ProgressReporter } from './progressReporter';
import { checkGdbSetup } from './gdbSetup';
import { checkMpi } from './mpiJob';
import * as path from 'path';
import { errorMessage } from '../engine';

export type CkptLaunchRequestArguments = CkptLaunchArguments & DebugProtocol.LaunchRequestArguments;
export type CkptAttachRequestArguments = CkptAttachArguments & DebugProtocol.AttachRequestArguments;

export interface CkptDebugSessionOptions {
  launcherFactory?: LauncherFactory;
  /** The computation of a launched program, when it runs under the engine (snapshots need one). */
  launchedComputation?: (launcher: ProgramLauncher) => Computation | undefined;
  /** For `attach`: the computation a `ckpt launch --dir DIR` runs. */
  attachedComputation?: (dir: string) => Computation | undefined;
}

class Deferred {
  resolve!: () => void;
  readonly promise = new Promise<void>((r) => { this.resolve = r; });
}

export class CkptDebugSession extends LoggingDebugSession {
  private static readonly live = new Set<CkptDebugSession>();

  /** Hit conditions and logpoints of every kind of breakpoint, by gdb number. */
  private readonly breakpointHits = new BreakpointHits();
  private readonly breakpoints = new BreakpointTable(this.breakpointHits);
  private readonly dataBreakpoints = new DataBreakpoints(this.breakpointHits);
  private readonly debuggee: Debuggee;
  private timeTravel?: TimeTravel;
  private readonly configurationDone = new Deferred();
  private clientSupportsRunInTerminal = false;
  private clientSupportsInvalidated = false;
  private readonly progress = new ProgressReporter((e) => this.sendEvent(e));
  /** The signal the program was last shown stopped by, until it moves. */
  private signalStop?: SignalStop;
  private terminatedSent = false;
  /** Frames and variables of the last stop: valid until the program moves. */
  private readonly frames = new Handles<ThreadFrame>();
  private readonly variables: VariableStore;

  constructor(private readonly options: CkptDebugSessionOptions = {}) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.debuggee = new Debuggee(this.breakpointHits, options.launcherFactory);
    this.variables = new VariableStore(() => this.debuggee.requireStopped());
    this.listenToDebuggee();
    CkptDebugSession.live.add(this);
  }

  /** Kills every program and gdb of every session now: for the adapter's exit handlers. */
  static killAll(): void {
    for (const s of CkptDebugSession.live) s.debuggee.killNow();
  }

  // ---- the debuggee's and time travel's events, as DAP events ---------------------------------

  private listenToDebuggee(): void {
    const d = this.debuggee;
    d.on('output', (kind, text) => this.sendEvent(new OutputEvent(text, kind)));
    d.on('moved', () => { this.frames.reset(); this.variables.reset(); this.signalStop = undefined; });
    d.on('stopped', (stop) => {
      this.reportStop(stop).catch((err) => this.sendEvent(new OutputEvent(`Internal error after a stop: ${errorMessage(err)}\n`, 'stderr')));
    });
    d.on('restored', (id, thread) => {
      this.resourcesChanged('restored');
      this.progress.jumped(`At snapshot ${id}`);
      this.sendStopped(RESTORED_STOP_REASON, thread, `Restored snapshot ${id}`);
      // Views that do not follow stops (memory, disassembly, watch) read the program again.
      if (this.clientSupportsInvalidated) this.sendEvent(new InvalidatedEvent(['all']));
    });
    d.on('arrived', (thread, reason, description) => {
      this.resourcesChanged('restored');
      this.sendStopped(reason, thread, description);
      if (this.clientSupportsInvalidated) this.sendEvent(new InvalidatedEvent(['all']));
    });
    d.on('exited', (code) => {
      this.resourcesChanged('exited');
      this.sendEvent(new ExitedEvent(code));
    });
    d.on('ended', (why) => {
      if (this.terminatedSent) return;
      if (why === 'gdb exited') this.sendEvent(new OutputEvent('gdb exited.\n', 'console'));
      this.sendTerminated();
    });
    d.on('thread', (change, id) => this.sendEvent(new ThreadEvent(change, id)));
    d.on('process', (change) => this.resourcesChanged(change));
    d.on('breakpointModified', (bkpt) => {
      const changed = this.breakpoints.changed(bkpt);
      if (changed) this.sendEvent(new BreakpointEvent('changed', changed));
    });
  }

  private async reportStop(stop: DebuggeeStop): Promise<void> {
    const dap = dapStopOf(stop.results, {
      expected: stop.expected,
      endOfStep: stop.endOfStep,
      isInstructionBreakpoint: (id) => this.breakpoints.isInstructionBreakpoint(id),
      describeWatchpoint: (id, results) => this.dataBreakpoints.describeStop(id, results),
    });
    // Before the client hears of the stop: it must not ask for frames while threads move.
    await this.timeTravel?.beforeStopReported(dap.reason, stop.thread, dap.description).catch((err) => {
      this.sendEvent(new OutputEvent(`Automatic snapshot failed: ${errorMessage(err)}\n`, 'console'));
    });
    if (dap.reason === 'exception') this.signalStop = signalStopOf(stop.results, stop.thread);
    this.sendStopped(dap.reason, stop.thread, dap.description, dap.hitBreakpointIds);
    this.resourcesChanged('stopped');
  }

  private sendStopped(reason: string, thread: number, description?: string, hitIds?: number[]): void {
    const event = new StoppedEvent(reason, thread) as DebugProtocol.StoppedEvent;
    event.body.allThreadsStopped = true;
    if (description) {
      event.body.description = description;
      event.body.text = description;
    }
    if (hitIds) event.body.hitBreakpointIds = hitIds;
    this.sendEvent(event);
  }

  private startTimeTravel(computation: Computation | undefined, auto?: CkptLaunchArguments['autoSnapshot']): void {
    if (!computation) return;
    const travel = new TimeTravel(this.debuggee, computation, auto);
    travel.on('snapshotsChanged', (body) => this.sendEvent(new Event(Events.snapshotsChanged, body)));
    travel.on('canGoBack', () => this.sendEvent(new CapabilitiesEvent({ supportsStepBack: true })));
    travel.on('note', (text) => this.sendEvent(new OutputEvent(text + '\n', 'console')));
    this.timeTravel = travel;
  }

  private resourcesChanged(reason: ResourcesChangedBody['reason']): void {
    if (this.timeTravel) this.sendEvent(new Event(Events.resourcesChanged, { reason } satisfies ResourcesChangedBody));
  }

  private sendTerminated(): void {
    if (this.terminatedSent) return;
    this.terminatedSent = true;
    this.sendEvent(new TerminatedEvent());
  }

  // ---- lifecycle ------------------------------------------------------------------------

  protected initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.clientSupportsRunInTerminal = !!args.supportsRunInTerminalRequest;
    this.clientSupportsInvalidated = !!args.supportsInvalidatedEvent;
    this.progress.enabled = !!args.supportsProgressReporting;
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
      supportsExceptionInfoRequest: true,
      supportsStepBack: false,
      supportsCancelRequest: true,
    };
    this.sendResponse(response);
  }

  protected configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configurationDone.resolve();
    this.sendResponse(response);
  }

  protected async launchRequest(response: DebugProtocol.LaunchResponse, args: CkptLaunchRequestArguments): Promise<void> {
    try {
      const plan = { ...checkLaunch(args), setup: checkGdbSetup(args), mpi: checkMpi(args) };
      let terminal: TerminalRunner | undefined;
      if (args.console === 'integratedTerminal' && this.clientSupportsRunInTerminal) terminal = { run: (cmd, dir, title) => this.runInTerminal(cmd, dir, title) };
      else if (args.console === 'integratedTerminal') this.note('This client cannot run programs in a terminal; the program\'s output appears here.');
      await this.debuggee.prepareLaunch(plan, terminal);
      const launcher = this.debuggee.launcher;
      this.startTimeTravel(launcher && this.options.launchedComputation?.(launcher), args.autoSnapshot);
      this.sendEvent(new InitializedEvent());
      await this.configurationDone.promise;
      await this.debuggee.run(plan.stopOnEntry);
      this.sendResponse(response);
    } catch (err) {
      await this.failStart(response, 1001, err, 'Could not start the program');
    }
  }

  private runInTerminal(args: string[], cwd: string, title: string): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      this.runInTerminalRequest({ kind: 'integrated', cwd, args, title }, 15000, (r) => {
        if (r.success) resolve(r.body?.shellProcessId ?? r.body?.processId);
        else reject(new LaunchError(`The client could not open a terminal: ${r.message ?? 'unknown error'}`));
      });
    });
  }

  protected async attachRequest(response: DebugProtocol.AttachResponse, args: CkptAttachRequestArguments): Promise<void> {
    try {
      if (typeof args.snapshotDir !== 'string' || args.snapshotDir === '') {
        throw new LaunchError('"snapshotDir" must name the directory of a computation started by `ckpt launch --dir DIR -- PROGRAM`.');
      }
      const dir = path.resolve(args.snapshotDir);
      await this.debuggee.attach(dir, { gdbPath: args.gdbPath, program: args.program, setup: checkGdbSetup(args) });
      // The computation's snapshots are its `ckpt launch`'s (with its own --interval): no landmarks of ours there.
      this.startTimeTravel(this.options.attachedComputation?.(dir), false);
      this.sendEvent(new InitializedEvent());
      await this.configurationDone.promise;
      await this.debuggee.continueAttached();
      this.sendResponse(response);
    } catch (err) {
      await this.failStart(response, 1003, err, 'Could not attach');
    }
  }

  private async failStart(response: DebugProtocol.Response, id: number, err: unknown, what: string): Promise<void> {
    const message = err instanceof LaunchError || err instanceof GdbUnavailableError ? err.message : `${what}: ${errorMessage(err)}`;
    this.sendEvent(new OutputEvent(message + '\n', 'stderr'));
    this.sendErrorResponse(response, { id, format: '{_msg}', variables: { _msg: message }, showUser: true });
    await this.shutdownEverything();
  }

  protected async disconnectRequest(response: DebugProtocol.DisconnectResponse, args?: DebugProtocol.DisconnectArguments): Promise<void> {
    if (this.debuggee.attached && !args?.terminateDebuggee) await this.debuggee.detach();
    await this.shutdownEverything();
    this.sendResponse(response);
    // Over stdio this ends the adapter process; as a server or in-process it only ends the session.
    this.shutdown();
  }

  protected async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    // Running, gdb sees the processes die and reports their exit, which ends the session.
    const endedNow = await this.debuggee.terminate();
    this.sendResponse(response);
    if (endedNow) this.sendTerminated();
  }

  private async shutdownEverything(): Promise<void> {
    CkptDebugSession.live.delete(this);
    this.timeTravel?.dispose();
    this.timeTravel = undefined;
    await this.debuggee.shutdown();
  }

  private note(text: string): void {
    this.sendEvent(new OutputEvent(text + '\n', 'console'));
  }

  // ---- breakpoints ------------------------------------------------------------------------

  /** Sets a kind of breakpoints in gdb, or answers that none can be set without it. */
  private async setBreakpoints<T>(wanted: T[], set: (gdb: GdbProcess, wanted: T[]) => Promise<DebugProtocol.Breakpoint[]>): Promise<{ breakpoints: DebugProtocol.Breakpoint[] }> {
    const gdb = this.debuggee.gdbProcess;
    this.timeTravel?.breakpointsChanged();
    return { breakpoints: gdb ? await set(gdb, wanted) : wanted.map(() => ({ verified: false, message: 'gdb is not running' })) };
  }

  protected async setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): Promise<void> {
    const wanted: DebugProtocol.SourceBreakpoint[] = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
    response.body = await this.setBreakpoints(wanted, (gdb, w) => this.breakpoints.setSourceBreakpoints(gdb, args.source.path ?? '', w));
    this.sendResponse(response);
  }

  protected async setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): Promise<void> {
    response.body = await this.setBreakpoints(args.breakpoints, (gdb, w) => this.breakpoints.setFunctionBreakpoints(gdb, w));
    this.sendResponse(response);
  }

  protected async setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): Promise<void> {
    response.body = await this.setBreakpoints(args.breakpoints, (gdb, w) => this.breakpoints.setInstructionBreakpoints(gdb, w));
    this.sendResponse(response);
  }

  protected async setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): Promise<void> {
    response.body = await this.setBreakpoints(args.breakpoints, (gdb, w) => this.dataBreakpoints.set(gdb, w));
    this.sendResponse(response);
  }

  protected async dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): Promise<void> {
    await this.answer(response, async () => {
      const gdb = this.debuggee.requireStopped();
      let target: { expression: string; at?: ThreadFrame } | undefined;
      if (args.variablesReference !== undefined) {
        target = this.variables.expressionOf(args.variablesReference, args.name);
        if (!target) throw new Error(`'${args.name}' cannot be watched from here: it has no expression of its own.`);
      } else {
        const at = args.frameId !== undefined ? this.frames.get(args.frameId) : undefined;
        target = { expression: args.name, at: at ?? this.lastStopFrame() };
      }
      return this.dataBreakpoints.info(gdb, target.expression, target.at);
    });
  }

  protected setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse): void {
    this.sendResponse(response);
  }

  protected async exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): Promise<void> {
    await this.answer(response, async () => {
      const gdb = this.debuggee.requireStopped();
      if (!this.signalStop) throw new Error('The program is not stopped by a signal.');
      return exceptionInfoOf(gdb, this.signalStop);
    });
  }

  // ---- threads, stacks, variables, memory ------------------------------------------------------

  protected async threadsRequest(response: DebugProtocol.ThreadsResponse): Promise<void> {
    if (!this.debuggee.gdbProcess || this.debuggee.state === 'notStarted') {
      response.body = { threads: [] };
      return this.sendResponse(response);
    }
    await this.answer(response, async () => {
      const { threads } = await mi.threadInfo(this.debuggee.requireGdb());
      const several = this.debuggee.processesSeen() > 1;
      return { threads: dapThreads(threads, (id) => several ? this.debuggee.pidOfThread(id) : undefined) };
    });
  }

  protected async stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): Promise<void> {
    const gdb = this.debuggee.gdbProcess;
    if (!gdb) return this.sendError(response, 'gdb is not running');
    await this.answer(response, async () => {
      const start = args.startFrame ?? 0;
      const levels = args.levels && args.levels > 0 ? args.levels : 1000;
      const frames = await mi.stackListFrames(gdb, args.threadId, start, start + levels - 1);
      return {
        stackFrames: frames.map((f) => dapFrame(this.frames.create({ thread: args.threadId, frame: f.level }), f)),
        // More may exist when the page is full; the client then asks again.
        totalFrames: start + frames.length + (frames.length === levels ? 1 : 0),
      };
    });
  }

  protected scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const at = this.frames.get(args.frameId);
    if (!at) return this.sendError(response, 'This frame is no longer valid: the program ran since.');
    response.body = { scopes: this.variables.scopes(at) };
    this.sendResponse(response);
  }

  protected async variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): Promise<void> {
    await this.answer(response, async () => {
      this.debuggee.requireStopped();
      return { variables: await this.variables.variables(args.variablesReference) };
    });
  }

  protected async setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): Promise<void> {
    await this.answer(response, async () => {
      this.debuggee.requireStopped();
      return { value: await this.variables.setVariable(args.variablesReference, args.name, args.value) };
    });
  }

  protected async evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    await this.answer(response, async () => {
      const gdb = this.debuggee.requireGdb();
      const expression = args.expression.trim();
      if (args.context === 'repl' && expression.startsWith('-exec ')) {
        // A gdb command line typed in the debug console.
        const text = await mi.consoleCommand(gdb, expression.slice(6));
        return { result: text.replace(/\n$/, ''), variablesReference: 0 };
      }
      // Before the program runs: constants, sizes, types.
      if (this.debuggee.state === 'notStarted') return { result: await mi.dataEvaluateExpression(gdb, expression), variablesReference: 0 };
      if (this.debuggee.state === 'running') throw new Error('The program is running: pause it to evaluate expressions.');
      this.debuggee.requireStopped();
      const at = args.frameId !== undefined ? this.frames.get(args.frameId) : this.lastStopFrame();
      if (args.frameId !== undefined && !at) throw new Error('This frame is no longer valid: the program ran since.');
      return this.variables.evaluate(expression, at);
    });
  }

  private lastStopFrame(): ThreadFrame | undefined {
    const thread = this.debuggee.lastStoppedThread;
    return thread !== undefined ? { thread, frame: 0 } : undefined;
  }

  protected async disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): Promise<void> {
    await this.answer(response, async () => ({ instructions: await disassemble(this.debuggee.requireStopped(), args) }));
  }

  protected async readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): Promise<void> {
    await this.answer(response, () => readMemory(this.debuggee.requireStopped(), args));
  }

  // ---- execution control ----------------------------------------------------------------------

  /** Resumes the program with `action`; `kind` is what going back replays of it. */
  private async resume(response: DebugProtocol.Response, kind: ResumeKind, thread: number, action: (gdb: GdbProcess) => Promise<void>): Promise<void> {
    try {
      // Going back may have left a thread standing at the hit that comes next: that is the stop.
      const standing = await this.timeTravel?.standingStop(this.debuggee.requireStopped(), thread);
      if (standing) {
        this.sendResponse(response);
        return await this.debuggee.showStanding(standing);
      }
      await this.debuggee.resume(async (gdb) => {
        await this.timeTravel?.resumed(gdb, { kind, thread });
        await action(gdb);
      });
      this.sendResponse(response);
    } catch (err) {
      this.sendError(response, err);
    }
  }

  protected continueRequest(response: DebugProtocol.ContinueResponse, args: DebugProtocol.ContinueArguments): Promise<void> {
    response.body = { allThreadsContinued: true };
    this.debuggee.stepRecovery.clear();
    return this.resume(response, 'continue', args.threadId, (gdb) => mi.execContinue(gdb));
  }

  protected nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): Promise<void> {
    return this.step(response, args, 'next', mi.execNextInstruction, mi.execNext);
  }

  protected stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): Promise<void> {
    return this.step(response, args, 'stepIn', mi.execStepInstruction, mi.execStep);
  }

  protected stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): Promise<void> {
    return this.resume(response, 'stepOut', args.threadId, async (gdb) => {
      await this.debuggee.stepRecovery.begin(gdb, 'stepOut', args.threadId);
      await mi.execFinish(gdb, { thread: args.threadId, frame: 0 });
    });
  }

  /** A step by instruction, or by source line (which a skipped breakpoint hit must not turn into a Continue). */
  private step(
    response: DebugProtocol.Response, args: DebugProtocol.NextArguments, kind: 'next' | 'stepIn',
    byInstruction: (gdb: GdbProcess, thread: number) => Promise<void>, byLine: (gdb: GdbProcess, thread: number) => Promise<void>,
  ): Promise<void> {
    const byInstructions = args.granularity === 'instruction';
    const replayed: ResumeKind = byInstructions ? (kind === 'next' ? 'nextInstruction' : 'stepInstruction') : kind;
    return this.resume(response, replayed, args.threadId, async (gdb) => {
      if (byInstructions) {
        this.debuggee.stepRecovery.clear();
        return byInstruction(gdb, args.threadId);
      }
      await this.debuggee.stepRecovery.begin(gdb, kind, args.threadId);
      await byLine(gdb, args.threadId);
    });
  }

  protected async pauseRequest(response: DebugProtocol.PauseResponse): Promise<void> {
    await this.answer(response, () => this.debuggee.pause());
  }

  /**
   * `restart` with a snapshot (`arguments.snapshot`, or `restartFromSnapshot` in
   * the launch configuration the client sends back) restores it, as
   * `ckpt/restoreSnapshot` does. Without one the program starts again from the
   * beginning; the launch configuration the client sends along is not re-read
   * (changing it needs a new debug session).
   */
  protected async restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): Promise<void> {
    await this.answer(response, async () => {
      const a = (args?.arguments ?? {}) as CkptRestartArguments;
      const id = a.snapshot ?? a.restartFromSnapshot;
      if (id === undefined) {
        await this.debuggee.relaunch();
        // The program is no longer at any snapshot of the history: a new timeline begins.
        this.timeTravel?.restarted();
        return;
      }
      if (typeof id !== 'string' || id === '') throw new Error('"snapshot" must be a non-empty string (a snapshot id).');
      this.debuggee.requireProgram();
      const travel = this.requireTimeTravel('Restarting from a snapshot');
      await this.progress.run(`Restoring snapshot ${id}`, () => travel.restoreSnapshot(id), undefined, true);
    });
  }

  protected async stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): Promise<void> {
    await this.answer(response, async () => {
      this.debuggee.requireStopped();
      const travel = this.requireTimeTravel('Going back', false);
      await this.progress.runCancellable('Stepping back', (p) => travel.stepBack(args.granularity, p.token));
    });
  }

  protected async reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): Promise<void> {
    await this.answer(response, async () => {
      this.debuggee.requireStopped();
      const travel = this.requireTimeTravel('Going back', false);
      await this.progress.runCancellable('Going back to the last stop', (p) => travel.reverseContinue(p.token));
    });
  }

  private requireTimeTravel(what: string, why = true): TimeTravel {
    if (this.timeTravel) return this.timeTravel;
    const notice = why ? this.debuggee.launcher?.notice : undefined;
    throw new Error(`${what} needs the checkpoint engine, which is not running for this session${notice ? ` (${notice})` : ''}.`);
  }

  // ---- custom requests: snapshots and resources ------------------------------------------------

  protected async customRequest(command: string, response: DebugProtocol.Response, args: unknown): Promise<void> {
    if (!command.startsWith('ckpt/')) return super.customRequest(command, response, args);
    await this.answer(response, () => ckptRequest({
      travel: this.requireTimeTravel(`'${command}'`), debuggee: this.debuggee, progress: this.progress,
      frameOf: (frameId) => this.frameOf(frameId),
    }, command, (args ?? {}) as Record<string, unknown>));
  }

  /** DAP `cancel` of a progress: the work under way stops where it can (cancellation.ts). */
  protected cancelRequest(response: DebugProtocol.CancelResponse, args: DebugProtocol.CancelArguments): void {
    if (args.progressId !== undefined) this.progress.cancellations.cancel(args.progressId);
    this.sendResponse(response);
  }

  /** A frame the client named, or the top frame of the thread shown. */
  private frameOf(frameId: number | undefined): ThreadFrame | undefined {
    if (frameId === undefined) return this.lastStopFrame();
    const at = this.frames.get(frameId);
    if (!at) throw new Error('This frame is no longer valid: the program ran since.');
    return at;
  }

  /** Sends what `work` returns as the response's body, or its error. */
  private async answer<T>(response: DebugProtocol.Response, work: () => Promise<T>): Promise<void> {
    try {
      const body = await work();
      if (body !== undefined) response.body = body;
      this.sendResponse(response);
    } catch (err) {
      this.sendError(response, err);
    }
  }

  /** An error response carrying the message as is (gdb's words, or ours). */
  private sendError(response: DebugProtocol.Response, err: unknown): void {
    const message = typeof err === 'string' ? err : errorMessage(err);
    // The `_` prefix lets the library put the text in without treating it as private data.
    this.sendErrorResponse(response, { id: 1002, format: '{_msg}', variables: { _msg: message } });
  }
}

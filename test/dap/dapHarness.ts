/**
 * Shared pieces of the DAP tests: compiling the test programs, resolving
 * `// #MARKER` lines, and a DebugClient per test that is always shut down.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync, spawn } from 'child_process';
import type { TestContext } from 'node:test';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

const REPO = path.resolve(__dirname, '..', '..', '..');
export const PROGRAMS_DIR = path.join(REPO, 'test', 'dap', 'programs');
const ADAPTER = path.join(REPO, 'out', 'adapter', 'debugAdapter.js');

/** Generous: the machine is shared and slow at times. */
export const TIMEOUT_MS = 60000;

export function sourceOf(name: string): string {
  return path.join(PROGRAMS_DIR, name);
}

/** The line number of the `// #MARKER` comment in a test program's source. */
export function lineOf(file: string, marker: string): number {
  const lines = fs.readFileSync(sourceOf(file), 'utf8').split('\n');
  const re = new RegExp(`//\\s*#${marker}\\b`);
  const index = lines.findIndex((l) => re.test(l));
  if (index < 0) throw new Error(`marker #${marker} not found in ${file}`);
  return index + 1;
}

export class Programs {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-dap-test-'));

  /** Compiles programs/<name>.c into the temp dir; `debug: false` leaves out -g. */
  build(name: string, opts: { debug?: boolean; output?: string } = {}): string {
    const out = path.join(this.dir, opts.output ?? name);
    const flags = opts.debug === false ? ['-O0'] : ['-g', '-O0'];
    execFileSync('gcc', [...flags, '-pthread', '-o', out, sourceOf(`${name}.c`), '-ldl'], { stdio: 'pipe' });
    return out;
  }

  /** Compiles programs/<name>.c as a shared library `lib<name>.so` in the temp dir. */
  buildLibrary(name: string): string {
    const out = path.join(this.dir, `lib${name}.so`);
    execFileSync('gcc', ['-g', '-O0', '-shared', '-fPIC', '-o', out, sourceOf(`${name}.c`)], { stdio: 'pipe' });
    return out;
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export class TestClient extends DebugClient {
  readonly outputs: DebugProtocol.OutputEvent[] = [];
  readonly events: DebugProtocol.Event[] = [];
  /** What this client tells the adapter it supports, beyond the library's defaults. */
  clientCapabilities: Partial<DebugProtocol.InitializeRequestArguments> = {};

  constructor() {
    super('node', ADAPTER, 'ckpt', { stdio: 'pipe' }, !!process.env.CKPT_TEST_ADAPTER_STDERR);
    this.defaultTimeout = TIMEOUT_MS;
    this.on('output', (e: DebugProtocol.OutputEvent) => this.outputs.push(e));
    for (const name of ['exited', 'terminated', 'stopped', 'breakpoint', 'thread']) {
      this.on(name, (e: DebugProtocol.Event) => this.events.push(e));
    }
  }

  /**
   * Answers the adapter's `runInTerminal` requests as an editor would, with a
   * pseudo-terminal made by `script`; what the terminal shows is collected.
   */
  serveTerminals(t: TestContext): { text: () => string } {
    let shown = '';
    const client = this as unknown as {
      dispatch(body: string): void;
      outputStream: NodeJS.WritableStream;
    };
    const original = client.dispatch.bind(this);
    client.dispatch = (body: string) => {
      const msg = JSON.parse(body) as DebugProtocol.ProtocolMessage;
      if (msg.type !== 'request') return original(body);
      const req = msg as DebugProtocol.RunInTerminalRequest;
      const command = req.arguments.args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
      const term = spawn('script', ['-qfec', command, '/dev/null'], { cwd: req.arguments.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
      term.stdout.on('data', (d: Buffer) => { shown += d.toString('utf8'); });
      t.after(() => { term.kill('SIGKILL'); });
      const response: DebugProtocol.RunInTerminalResponse = {
        type: 'response', seq: 0, request_seq: req.seq, command: req.command, success: true,
        body: { processId: term.pid },
      };
      const json = JSON.stringify(response);
      client.outputStream.write(`Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`, 'utf8');
    };
    return { text: () => shown };
  }

  initializeRequest(args?: DebugProtocol.InitializeRequestArguments): Promise<DebugProtocol.InitializeResponse> {
    return super.initializeRequest(args ?? {
      adapterID: 'ckpt', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', ...this.clientCapabilities,
    });
  }

  private stopped?: Promise<void>;

  /**
   * Disconnects and ends the adapter, once (later calls wait for the first).
   * The disconnect gets a deadline: a dead adapter never answers, and a
   * promise that nothing can settle would leave the test runner hanging.
   */
  stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = (async () => {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<void>((resolve) => { timer = setTimeout(resolve, TIMEOUT_MS); });
        await Promise.race([this.disconnectRequest().then(() => undefined, () => undefined), deadline]);
        clearTimeout(timer);
        (this as unknown as { stopAdapter(): void }).stopAdapter();
      })();
    }
    return this.stopped;
  }

  /** All output of one category so far, concatenated. */
  outputText(category?: string): string {
    return this.outputs.filter((o) => !category || o.body.category === category).map((o) => o.body.output).join('');
  }

  /** Resolves when an event of this kind has arrived, earlier or later (no race with delivery). */
  async eventSeen(name: string, predicate: (e: DebugProtocol.Event) => boolean = () => true): Promise<DebugProtocol.Event> {
    const found = this.events.find((e) => e.event === name && predicate(e));
    if (found) return found;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.removeListener(name, listener);
        reject(new Error(`no '${name}' event within ${TIMEOUT_MS} ms`));
      }, TIMEOUT_MS);
      const listener = (e: DebugProtocol.Event): void => {
        if (!predicate(e)) return;
        clearTimeout(timer);
        this.removeListener(name, listener);
        resolve(e);
      };
      this.on(name, listener);
    });
  }

  /** Waits until the program's output (of a category) contains `text`. */
  async outputContains(text: string, category?: string): Promise<void> {
    const deadline = Date.now() + TIMEOUT_MS;
    while (!this.outputText(category).includes(text)) {
      if (Date.now() > deadline) {
        throw new Error(`output never contained ${JSON.stringify(text)}; got ${JSON.stringify(this.outputText())}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Starts the session with line and function breakpoints and waits for the first stop. */
  async launchAndStop(
    launchArgs: Record<string, unknown>,
    breakpoints: { file: string; marker: string; condition?: string; hitCondition?: string; logMessage?: string }[] = [],
    functionBreakpoints: string[] = [],
  ): Promise<Stop> {
    const stopped = this.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await Promise.all([
      this.waitForEvent('initialized').then(async () => {
        const byFile = new Map<string, DebugProtocol.SourceBreakpoint[]>();
        for (const bp of breakpoints) {
          const list = byFile.get(bp.file) ?? [];
          list.push({ line: lineOf(bp.file, bp.marker), condition: bp.condition, hitCondition: bp.hitCondition, logMessage: bp.logMessage });
          byFile.set(bp.file, list);
        }
        for (const [file, bps] of byFile) {
          const r = await this.setBreakpointsRequest({ source: { path: sourceOf(file) }, breakpoints: bps });
          for (const b of r.body.breakpoints) {
            if (!b.verified) throw new Error(`breakpoint in ${file} not verified: ${b.message}`);
          }
        }
        if (functionBreakpoints.length) {
          await this.setFunctionBreakpointsRequest({ breakpoints: functionBreakpoints.map((name) => ({ name })) });
        }
        await this.configurationDoneRequest();
      }),
      this.launch(launchArgs),
    ]);
    return asStop(await stopped);
  }

  /** Waits for the next stopped event. */
  async nextStop(): Promise<Stop> {
    return asStop(await this.waitForEvent('stopped') as DebugProtocol.StoppedEvent);
  }

  async topFrame(threadId: number): Promise<DebugProtocol.StackFrame> {
    const r = await this.stackTraceRequest({ threadId, startFrame: 0, levels: 20 });
    return r.body.stackFrames[0];
  }

  /** Variables of one scope ("Locals", "Arguments", "Registers") of a frame. */
  async scopeVariables(frameId: number, scopeName: string): Promise<DebugProtocol.Variable[]> {
    const scopes = await this.scopesRequest({ frameId });
    const scope = scopes.body.scopes.find((s) => s.name === scopeName);
    if (!scope) throw new Error(`no scope ${scopeName}`);
    return (await this.variablesRequest({ variablesReference: scope.variablesReference })).body.variables;
  }

  /** `readMemory` (the client library has no method of its own for it). */
  readMemoryRequest(args: DebugProtocol.ReadMemoryArguments): Promise<DebugProtocol.ReadMemoryResponse> {
    return this.send('readMemory', args) as Promise<DebugProtocol.ReadMemoryResponse>;
  }

  setInstructionBreakpointsRequest(args: DebugProtocol.SetInstructionBreakpointsArguments): Promise<DebugProtocol.SetInstructionBreakpointsResponse> {
    return this.send('setInstructionBreakpoints', args) as Promise<DebugProtocol.SetInstructionBreakpointsResponse>;
  }

  async children(variablesReference: number): Promise<DebugProtocol.Variable[]> {
    return (await this.variablesRequest({ variablesReference })).body.variables;
  }
}

export interface Stop { body: DebugProtocol.StoppedEvent['body'] & { threadId: number } }

function asStop(ev: DebugProtocol.StoppedEvent): Stop {
  if (typeof ev.body.threadId !== 'number') throw new Error(`stopped event without a thread: ${JSON.stringify(ev.body)}`);
  return { body: { ...ev.body, threadId: ev.body.threadId } };
}

/** A client for one test, shut down (program, gdb and adapter) when the test ends. */
export async function startClient(t: TestContext): Promise<TestClient> {
  const dc = new TestClient();
  await dc.start();
  t.after(() => dc.stop());
  return dc;
}

export function find<T extends { name: string }>(list: T[], name: string): T {
  const item = list.find((v) => v.name === name);
  if (!item) throw new Error(`no '${name}' among ${list.map((v) => v.name).join(', ')}`);
  return item;
}

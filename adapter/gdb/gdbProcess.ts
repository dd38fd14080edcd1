/**
 * One gdb process speaking MI: numbered commands, one promise per command,
 * async records passed on as events. Knows nothing of DAP.
 */
import { ChildProcess, SpawnOptionsWithStdioTuple, StdioPipe, spawn } from 'child_process';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import {
  MiAsyncRecord, MiRecord, MiResultRecord, MiStreamRecord, miString, parseMiLine,
} from './miParser';
import { leakedFds } from '../util/fds';

/** gdb answered a command with `^error`: `message` is gdb's own text. */
export class GdbCommandError extends Error {
  constructor(readonly command: string, message: string, readonly code?: string) {
    super(message);
    this.name = 'GdbCommandError';
  }
}

/** gdb could not be started or went away. */
export class GdbUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GdbUnavailableError';
  }
}

export interface MiCommandResult {
  record: MiResultRecord;
  /** Console output (`~`) printed while the command ran: what CLI commands print. */
  console: string;
}

/** What command functions need: lets them be tested against a scripted fake. */
export interface MiConnection {
  send(command: string): Promise<MiCommandResult>;
}

export interface GdbStartOptions {
  gdbPath?: string;
  /** Extra arguments after the fixed `--interpreter=mi3 -q -nx`. */
  args?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * A file that gets every MI line in and out, with times (default: the file
   * CKPT_MI_TRACE names, if set): for hangs that show only now and then.
   */
  traceFile?: string;
}

interface Pending {
  command: string;
  console: string[];
  resolve: (r: MiCommandResult) => void;
  reject: (e: Error) => void;
}

export interface GdbProcessEvents {
  exec: [MiAsyncRecord];
  notify: [MiAsyncRecord];
  status: [MiAsyncRecord];
  stream: [MiStreamRecord];
  /** A line that is not MI (a program writing to gdb's own stdout). */
  other: [string];
  exit: [number | null, NodeJS.Signals | null];
}

export const GDB_INSTALL_HINT = 'Install it with `apt-get install gdb`, or set "gdbPath" in the launch configuration.';

export class GdbProcess extends EventEmitter<GdbProcessEvents> implements MiConnection {
  private child?: ChildProcess;
  private nextToken = 1;
  private readonly pending = new Map<number, Pending>();
  private buffer = '';
  private exited = false;
  private stderrText = '';
  private traceFile?: string;

  /** Spawns gdb and waits until it answers a first command. */
  async start(options: GdbStartOptions = {}): Promise<void> {
    const gdbPath = options.gdbPath || 'gdb';
    this.traceFile = options.traceFile ?? (process.env.CKPT_MI_TRACE || undefined);
    // Found here rather than by spawn: through the bash wrapper below a missing
    // gdb would only show as bash's exit status 127.
    const gdbFile = findExecutable(gdbPath, options.env?.PATH ?? process.env.PATH ?? '', options.cwd);
    if (!gdbFile) throw new GdbUnavailableError(`gdb was not found ('${gdbPath}'). ${GDB_INSTALL_HINT}`);
    const gdbArgs = ['--interpreter=mi3', '-q', '-nx', ...(options.args ?? [])];
    const spawnOptions: SpawnOptionsWithStdioTuple<StdioPipe, StdioPipe, StdioPipe> = {
      cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'],
    };
    // Fds this process inherited without close-on-exec would pass through gdb
    // into the program (and into its snapshots): bash closes them, then becomes gdb.
    const leaked = leakedFds(3);
    const child = leaked.length === 0 || !fs.existsSync('/bin/bash')
      ? spawn(gdbFile, gdbArgs, spawnOptions)
      : spawn('/bin/bash', ['-c', `${leaked.map((fd) => `exec ${fd}<&-`).join('; ')}; exec "$0" "$@"`, gdbFile, ...gdbArgs], spawnOptions);
    this.child = child;
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err: NodeJS.ErrnoException) => {
        this.exited = true;
        if (err.code === 'ENOENT') {
          reject(new GdbUnavailableError(`gdb was not found ('${gdbPath}'). ${GDB_INSTALL_HINT}`));
        } else if (err.code === 'EACCES') {
          reject(new GdbUnavailableError(`gdb at '${gdbPath}' cannot be run (permission denied). ${GDB_INSTALL_HINT}`));
        } else {
          reject(new GdbUnavailableError(`gdb ('${gdbPath}') could not be started: ${err.message}`));
        }
      });
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.onData(chunk));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.stderrText = (this.stderrText + chunk).slice(-4000);
    });
    child.stdin!.on('error', () => { /* gdb gone: reported through 'exit' */ });
    child.on('exit', (code, signal) => this.onExit(code, signal));
    await spawned;
    const probe = await this.send('-gdb-version').catch((err: Error) => {
      throw new GdbUnavailableError(`'${gdbPath}' did not answer as gdb/MI: ${err.message}`);
    });
    if (!/GNU gdb/.test(probe.console)) {
      throw new GdbUnavailableError(`'${gdbPath}' does not look like GNU gdb. ${GDB_INSTALL_HINT}`);
    }
  }

  get pid(): number | undefined { return this.child?.pid; }
  get running(): boolean { return !!this.child && !this.exited; }

  send(command: string): Promise<MiCommandResult> {
    if (!this.child || this.exited) {
      return Promise.reject(new GdbUnavailableError(`gdb is not running (command: ${command})`));
    }
    const token = this.nextToken++;
    return new Promise((resolve, reject) => {
      this.pending.set(token, { command, console: [], resolve, reject });
      this.trace('>', `${token}${command}`);
      this.child!.stdin!.write(`${token}${command}\n`);
    });
  }

  /** Asks gdb to exit, then kills it if it does not go within `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try { child.stdin!.write('-gdb-exit\n'); } catch { /* already closing */ }
    const timer = setTimeout(() => { if (!this.exited) child.kill('SIGKILL'); }, graceMs);
    await gone;
    clearTimeout(timer);
  }

  /** Immediate, synchronous: for process exit handlers. */
  kill(): void {
    if (this.child && !this.exited) this.child.kill('SIGKILL');
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.length > 0) this.onLine(line);
    }
  }

  private trace(direction: '<' | '>', line: string): void {
    if (!this.traceFile) return;
    try {
      fs.appendFileSync(this.traceFile, `${new Date().toISOString()} ${this.child?.pid ?? '-'} ${direction} ${line}\n`, { mode: 0o600 });
    } catch {
      // tracing is best effort: never a reason for a debug session to fail
    }
  }

  private onLine(line: string): void {
    this.trace('<', line);
    let record: MiRecord;
    try {
      record = parseMiLine(line);
    } catch {
      record = { kind: 'other', line };
    }
    switch (record.kind) {
      case 'result': return this.onResult(record);
      case 'exec': case 'status': case 'notify':
        this.emit(record.kind, record);
        return;
      case 'console': case 'target': case 'log': {
        // Output printed before a result belongs to the oldest command in flight.
        const oldest = this.pending.values().next().value;
        if (oldest && record.kind === 'console') oldest.console.push(record.text);
        this.emit('stream', record);
        return;
      }
      case 'prompt': return;
      case 'other': this.emit('other', record.line); return;
    }
  }

  private onResult(record: MiResultRecord): void {
    const pending = record.token !== undefined ? this.pending.get(record.token) : undefined;
    if (!pending) return; // e.g. the untokened ^exit of -gdb-exit
    this.pending.delete(record.token!);
    if (record.resultClass === 'error') {
      const msg = miString(record.results.msg) ?? 'gdb reported an error';
      pending.reject(new GdbCommandError(pending.command, msg, miString(record.results.code)));
    } else {
      pending.resolve({ record, console: pending.console.join('') });
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    const detail = this.stderrText.trim() ? `: ${this.stderrText.trim()}` : '';
    for (const p of this.pending.values()) {
      p.reject(new GdbUnavailableError(`gdb exited (${signal ?? code}) before answering '${p.command}'${detail}`));
    }
    this.pending.clear();
    this.emit('exit', code, signal);
  }
}

/** The executable `name` resolves to (a path, or a name looked up in PATH), if any. */
export function findExecutable(name: string, pathVar: string, cwd?: string): string | undefined {
  const candidates = name.includes('/')
    ? [path.resolve(cwd ?? process.cwd(), name)]
    : pathVar.split(':').filter(Boolean).map((dir) => path.join(dir, name));
  for (const file of candidates) {
    try {
      if (fs.statSync(file).isFile()) {
        fs.accessSync(file, fs.constants.X_OK);
        return file;
      }
    } catch {
      // not this one
    }
  }
  return undefined;
}

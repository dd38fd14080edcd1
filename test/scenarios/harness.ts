/**
 * Drives the real `ckpt` command line for the scenario tests and the
 * benchmark: processes with line-collected output, one-shot CLI calls, and
 * cleanup that ends every process started, even when a test fails.
 */
import { ChildProcess, spawn, execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Writable } from 'node:stream';

/** Repository root (this file runs as out/test/scenarios/harness.js). */
export const REPO = path.resolve(__dirname, '..', '..', '..');
export const CKPT_JS = path.join(REPO, 'out', 'adapter', 'cli', 'ckpt.js');
export const NATIVE_BUILD = path.join(REPO, 'native', 'build');
export const SCENARIO_SRC = path.join(REPO, 'test', 'scenarios');

/** Default bound for one wait; generous because the machine is shared. */
export const WAIT_MS = 90_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** ' (SIGPIPE?)' for a shell-style status 128+N: the CLI passes on the program's death by signal N. */
function signalHint(code: number | null): string {
  if (code === null || code <= 128) return '';
  const name = Object.entries(os.constants.signals).find(([, n]) => n === code - 128)?.[0];
  return name ? ` (${name}?)` : '';
}

/** A child process whose stdout is split into lines as they arrive. */
export class LineProcess {
  readonly lines: string[] = [];
  stderr = '';
  exit: Exit | undefined;
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;
  /** The process's standard input, when it was started with one to write to. */
  readonly input?: Writable;
  private partial = '';
  private readonly waiters = new Set<() => void>();

  constructor(readonly what: string, command: string, args: string[], env?: NodeJS.ProcessEnv, withInput = false) {
    // detached: own process group, so cleanup reaches whatever it starts.
    this.child = spawn(command, args, {
      stdio: [withInput ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
      env: env ?? process.env,
    });
    if (withInput) this.input = this.child.stdin!;
    this.child.stdout!.setEncoding('utf8');
    this.child.stderr!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => {
      this.partial += chunk;
      const parts = this.partial.split('\n');
      this.partial = parts.pop()!;
      this.lines.push(...parts);
      this.wake();
    });
    this.child.stderr!.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.child.on('error', (err) => {
        this.stderr += `\n(could not start ${command}: ${err.message})`;
        this.exit = { code: -1, signal: null };
        this.wake();
        resolve(this.exit);
      });
      this.child.on('close', (code, signal) => {
        if (this.partial) this.lines.push(this.partial);
        this.partial = '';
        this.exit = { code, signal };
        this.wake();
        resolve(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Everything seen so far, for failure messages. */
  describe(): string {
    const exit = this.exit ? ` exited ${this.exit.code ?? this.exit.signal}${signalHint(this.exit.code)}` : ' still running';
    return `${this.what}${exit}\n--- stdout ---\n${this.lines.join('\n')}\n--- stderr ---\n${this.stderr}`;
  }

  /**
   * Waits for a stdout line (from index `from` on) that matches; fails if the
   * process exits first or the bound passes. Returns the line's index.
   */
  waitForLine(match: RegExp | ((line: string) => boolean), from = 0, timeoutMs = WAIT_MS): Promise<number> {
    const test = typeof match === 'function' ? match : (l: string) => match.test(l);
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        for (let i = from; i < this.lines.length; i++) {
          if (test(this.lines[i])) {
            done();
            resolve(i);
            return true;
          }
        }
        if (this.exit) {
          done();
          reject(new Error(`${this.what}: exited before printing a line matching ${match}\n${this.describe()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.what}: no line matching ${match} within ${timeoutMs} ms\n${this.describe()}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = (): void => {
        check();
      };
      this.waiters.add(waiter);
      check();
    });
  }

  /** Waits for the exit, bounded. */
  async waitExit(timeoutMs = WAIT_MS): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.what}: did not exit within ${timeoutMs} ms\n${this.describe()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the process group with SIGKILL; harmless if already gone. */
  kill(): void {
    if (this.exit || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      try {
        this.child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs one `ckpt` subcommand to completion. */
export function ckpt(args: string[], timeoutMs = WAIT_MS): Promise<CliResult> {
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    execFile(process.execPath, [CKPT_JS, ...args], { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      let code: number | null = 0;
      if (err) code = typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr: err && code === null ? `${stderr}\n${err.message}` : stderr, ms });
    });
  });
}

/** Like ckpt(), but a non-zero exit is an error naming the command and its output. */
export async function ckptOk(args: string[], timeoutMs = WAIT_MS): Promise<CliResult> {
  const r = await ckpt(args, timeoutMs);
  if (r.code !== 0) {
    throw new Error(`ckpt ${args.join(' ')} failed (status ${r.code})\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
  return r;
}

/** The snapshot id: the last non-empty line `ckpt checkpoint` prints. */
export function snapshotIdFrom(stdout: string): string {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const id = lines[lines.length - 1];
  if (!id) throw new Error(`ckpt checkpoint printed no snapshot id:\n${stdout}`);
  return id;
}

export interface StatusProcess {
  pid: number;
  vpid?: number;
  [key: string]: unknown;
}

/** Live processes per `ckpt status --json`, or undefined if it fails. */
export async function statusProcesses(dir: string): Promise<StatusProcess[] | undefined> {
  const r = await ckpt(['status', '--dir', dir, '--json'], 20_000);
  if (r.code !== 0) return undefined;
  try {
    const t = JSON.parse(r.stdout) as { processes?: StatusProcess[] };
    return Array.isArray(t.processes) ? t.processes : undefined;
  } catch {
    return undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Everything one test run starts: processes, computation dirs, temp dirs.
 * cleanup() ends them all, whatever state the test left them in.
 */
export class Run {
  readonly procs: LineProcess[] = [];
  readonly pids = new Set<number>();
  readonly dirs: string[] = [];
  readonly computations: string[] = [];

  tempDir(prefix: string): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }

  start(what: string, command: string, args: string[], env?: NodeJS.ProcessEnv, withInput = false): LineProcess {
    const p = new LineProcess(what, command, args, env, withInput);
    this.procs.push(p);
    return p;
  }

  /** `ckpt launch --dir D -- PROG ARGS` in the foreground, as a child. */
  launch(dir: string, prog: string, args: string[], env?: NodeJS.ProcessEnv): LineProcess {
    if (!this.computations.includes(dir)) this.computations.push(dir);
    return this.start(`ckpt launch ${path.basename(prog)}`, process.execPath, [CKPT_JS, 'launch', '--dir', dir, '--', prog, ...args], env);
  }

  /** `ckpt restart --dir D ID` in the foreground, as a child. */
  restart(dir: string, id: string): LineProcess {
    if (!this.computations.includes(dir)) this.computations.push(dir);
    return this.start(`ckpt restart ${id}`, process.execPath, [CKPT_JS, 'restart', '--dir', dir, id]);
  }

  /**
   * `ckpt checkpoint --kill`; returns the snapshot id. On failure the error
   * also shows how `program` (the launch or restart being saved) ended.
   */
  async checkpointKill(dir: string, program?: LineProcess, label?: string): Promise<string> {
    const args = ['checkpoint', '--dir', dir, '--kill'];
    if (label) args.push('--label', label);
    try {
      return snapshotIdFrom((await ckptOk(args)).stdout);
    } catch (err) {
      if (!program) throw err;
      await program.waitExit(10_000).catch(() => undefined);
      const msg = err instanceof Error ? err.message : String(err);
      throw new Error(`${msg}\n--- the program being saved ---\n${program.describe()}`);
    }
  }

  /** Notes the computation's live pids so cleanup can end them. */
  async notePids(dir: string): Promise<StatusProcess[] | undefined> {
    const ps = await statusProcesses(dir);
    for (const p of ps ?? []) if (typeof p.pid === 'number') this.pids.add(p.pid);
    return ps;
  }

  async cleanup(): Promise<void> {
    for (const d of this.computations) {
      if (this.procs.some((p) => !p.exit)) {
        await this.notePids(d).catch(() => undefined);
        await ckpt(['kill', '--dir', d], 10_000).catch(() => undefined);
      }
    }
    for (const p of this.procs) p.kill();
    for (const pid of this.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await Promise.all(this.procs.map((p) => p.waitExit(10_000).catch(() => undefined)));
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

/** Runs body with a fresh Run and always cleans up. */
export async function withRun<T>(body: (run: Run) => Promise<T>): Promise<T> {
  const run = new Run();
  try {
    return await body(run);
  } finally {
    await run.cleanup();
  }
}

/** Problems that make every engine test meaningless, named plainly. */
export function engineMissing(): string | undefined {
  for (const f of ['libckpt.so', 'ckpt-restore', 'ckpt-inspect']) {
    if (!fs.existsSync(path.join(NATIVE_BUILD, f))) return `native/build/${f} is missing (run make -C native)`;
  }
  if (!fs.existsSync(CKPT_JS)) return `${path.relative(REPO, CKPT_JS)} is missing (run npx tsc -p .)`;
  return undefined;
}

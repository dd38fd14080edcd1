/**
 * Where the program's stdin, stdout and stderr go: the session's output pipes
 * (shown in the Debug Console), or a terminal the client lent
 * (`"console": "integratedTerminal"`). The same for the launched program and
 * for a snapshot restored in its place.
 */
import type { StdioOptions } from 'child_process';
import * as fs from 'fs';
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import { InferiorOutput, OutputCategory } from './inferiorOutput';
import { BorrowedTerminal, TerminalRunner } from './terminalTty';

export class ProgramStdio {
  /** The program is re-executed to an earlier stop: what it writes was shown the first time. */
  private silenced = false;

  private constructor(private readonly output?: InferiorOutput, private readonly terminal?: BorrowedTerminal) {}

  /** A terminal through `runner` when there is one, else pipes whose text goes to `onOutput`. */
  static async open(
    runner: TerminalRunner | undefined, cwd: string, title: string, onOutput: (category: OutputCategory, text: string) => void,
  ): Promise<ProgramStdio> {
    if (runner) return new ProgramStdio(undefined, await BorrowedTerminal.open(runner, cwd, title));
    let stdio: ProgramStdio | undefined = undefined;
    stdio = new ProgramStdio(InferiorOutput.create((category, text) => { if (!stdio?.silenced) onOutput(category, text); }));
    return stdio;
  }

  /**
   * Runs `work` with the program's output kept from the client: what the
   * program wrote meanwhile is read and dropped before it shows again. (A
   * terminal shows what it is written; it cannot be kept back.)
   */
  async muted<T>(work: () => Promise<T>): Promise<T> {
    this.silenced = true;
    try {
      return await work();
    } finally {
      this.output?.drain();
      this.silenced = false;
    }
  }

  /** Points gdb's program there; returns the redirections for its arguments. */
  async applyTo(gdb: MiConnection): Promise<string> {
    if (this.terminal) {
      await mi.inferiorTtySet(gdb, this.terminal.tty);
      return '';
    }
    return this.output?.redirections() ?? '';
  }

  /** The stdio of a restored program; `close` once it has them. */
  forRestored(): { stdio: StdioOptions; close(): void } {
    const fds: number[] = [];
    let stdio: StdioOptions = 'ignore';
    if (this.output) {
      fds.push(...this.output.openWriters());
      stdio = ['ignore', fds[0], fds[1]];
    } else if (this.terminal) {
      const tty = fs.openSync(this.terminal.tty, 'r+');
      fds.push(tty);
      stdio = [tty, tty, tty];
    }
    return { stdio, close: () => { for (const fd of fds) fs.closeSync(fd); } };
  }

  /** The program's last output, before its exit is reported. */
  drain(): void {
    this.output?.drain();
  }

  dispose(): void {
    this.output?.dispose();
    this.terminal?.dispose();
  }
}

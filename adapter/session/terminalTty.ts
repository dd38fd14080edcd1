/**
 * Borrowing a terminal for the program (`"console": "integratedTerminal"`): the
 * client runs a tiny shell in its terminal that writes its tty's name to a file
 * and waits; gdb then starts the program on that tty (`-inferior-tty-set`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface TerminalRunner {
  /** Asks the client to run `args` in a terminal; resolves with the process id if known. */
  run(args: string[], cwd: string, title: string): Promise<number | undefined>;
}

export class BorrowedTerminal {
  private constructor(readonly tty: string, private readonly dir: string, private readonly holderPid?: number) {}

  static async open(runner: TerminalRunner, cwd: string, title: string, timeoutMs = 20000): Promise<BorrowedTerminal> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-tty-'));
    fs.chmodSync(dir, 0o700);
    const ttyFile = path.join(dir, 'tty');
    // Written to a temporary name, then renamed: the reader never sees half a name.
    const script = `tty > '${ttyFile}.tmp' && mv '${ttyFile}.tmp' '${ttyFile}' && trap '' INT && while :; do sleep 3600; done`;
    try {
      const pid = await runner.run(['/bin/sh', '-c', script], cwd, title);
      const deadline = Date.now() + timeoutMs;
      while (!fs.existsSync(ttyFile)) {
        if (Date.now() > deadline) {
          throw new Error(`the terminal did not report its tty within ${timeoutMs / 1000} s`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      const tty = fs.readFileSync(ttyFile, 'utf8').trim();
      if (!tty.startsWith('/dev/')) throw new Error(`the terminal has no tty (it said '${tty}')`);
      return new BorrowedTerminal(tty, dir, pid);
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  dispose(): void {
    if (this.holderPid) {
      try { process.kill(this.holderPid, 'SIGTERM'); } catch { /* already gone */ }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import * as pty from 'node-pty';
import { CKPT_JS } from '../fixtures/cliRunner';
import { checkpoint, computationPids, runCkpt, skipUnlessBuilt, Workspace } from './fixtures/computation';

const ws = new Workspace();
const terminals: pty.IPty[] = [];
after(() => {
  for (const t of terminals) {
    try {
      t.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  ws.cleanup();
});

/** A `ckpt` command in a new pseudo-terminal, its screen output collected. */
class Terminal {
  readonly term: pty.IPty;
  output = '';
  readonly exited: Promise<number>;

  constructor(args: string[]) {
    this.term = pty.spawn(process.execPath, [CKPT_JS, ...args], { name: 'xterm', cols: 80, rows: 24, env: process.env as Record<string, string> });
    terminals.push(this.term);
    this.term.onData((d) => (this.output += d));
    this.exited = new Promise((resolve) => this.term.onExit((e) => resolve(e.exitCode)));
  }

  /** The terminal device the program sees, e.g. /dev/pts/3. */
  get device(): string {
    return (this.term as unknown as { ptsName: string }).ptsName;
  }

  async waitFor(re: RegExp, timeoutMs = 60000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!re.test(this.output)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${re}; the screen so far:\n${JSON.stringify(this.output)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  type(line: string): void {
    this.term.write(`${line}\r`);
  }
}

/** `stty -a` of a terminal, read from outside. */
function sttyOf(device: string): string {
  return execFileSync('stty', ['-a', '-F', device], { encoding: 'utf8' });
}

/** Waits until the computation answers `ckpt status`: the restored program is running again. */
async function waitForStatus(dir: string): Promise<void> {
  for (let i = 0; ; i++) {
    const r = await runCkpt(['status', '--dir', dir, '--json']);
    if (r.code === 0) return;
    if (i > 600) throw new Error(`the restarted program never answered: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

/**
 * An interactive program in a terminal: the shell turns echo off (as a
 * password prompt would) and perl keeps a running sum of the lines typed.
 */
const PROGRAM = ['sh', '-c', 'stty -echo; echo ready; exec perl -ne \'BEGIN { $| = 1 } chomp; $s += $_; print "sum $s\\n"\''];

describe('an interactive program in a terminal', { skip: skipUnlessBuilt }, () => {
  test('typed input, --kill, restart in a new terminal: the state and the echo setting come back', async () => {
    const dir = ws.dir('terminal');
    const first = new Terminal(['launch', '--dir', dir, '--', ...PROGRAM]);
    await first.waitFor(/ready\r\n/);
    first.type('5');
    await first.waitFor(/sum 5\r\n/);
    first.type('7');
    await first.waitFor(/sum 12\r\n/);
    assert.doesNotMatch(first.output, /^(5|7)\r?$/m, 'echo is off: what was typed is not on the screen');
    assert.match(sttyOf(first.device), /(^|\s)-echo(\s|$)/);

    const saved = await checkpoint(dir, '--kill');
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(await first.exited, 0, first.output);
    assert.deepEqual(computationPids(dir), [], 'nothing of the program is left running');

    const second = new Terminal(['restart', '--dir', dir, saved.id!]);
    await waitForStatus(dir);
    assert.match(sttyOf(second.device), /(^|\s)-echo(\s|$)/, 'the new terminal has echo off, as the program left it');
    second.type('30');
    await second.waitFor(/sum 42\r\n/);
    assert.doesNotMatch(second.output, /30/, 'echo is still off after the restart');
    second.term.write('\x04'); // end of input: perl ends
    assert.equal(await second.exited, 0, second.output);
    assert.deepEqual(computationPids(dir), []);
  });
});

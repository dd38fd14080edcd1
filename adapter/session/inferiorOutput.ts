/**
 * The program's stdout and stderr, carried through two named pipes in a private
 * directory instead of gdb's own stdout: there the program's bytes would be
 * mixed with MI records in the middle of a line.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { StringDecoder } from 'string_decoder';
import { shellQuote } from './shellQuote';

export type OutputCategory = 'stdout' | 'stderr';

interface Channel {
  category: OutputCategory;
  path: string;
  fd: number;
  socket: net.Socket;
  decoder: StringDecoder;
}

export class InferiorOutput {
  private readonly channels: Channel[] = [];
  private disposed = false;

  private constructor(readonly dir: string, private readonly onOutput: (category: OutputCategory, text: string) => void) {}

  static create(onOutput: (category: OutputCategory, text: string) => void): InferiorOutput {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-io-'));
    fs.chmodSync(dir, 0o700);
    const out = new InferiorOutput(dir, onOutput);
    try {
      for (const category of ['stdout', 'stderr'] as const) out.open(category);
    } catch (err) {
      out.dispose();
      throw err;
    }
    return out;
  }

  private open(category: OutputCategory): void {
    const fifo = path.join(this.dir, category);
    execFileSync('mkfifo', ['-m', '600', fifo]);
    // Read-write and non-blocking: the open does not wait for a writer, and the
    // pipe never reports end-of-file between the program's runs.
    const fd = fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    const socket = new net.Socket({ fd, readable: true, writable: false });
    const channel: Channel = { category, path: fifo, fd, socket, decoder: new StringDecoder('utf8') };
    socket.on('data', (data: Buffer) => this.deliver(channel, data));
    socket.on('error', () => { /* closed on dispose */ });
    this.channels.push(channel);
  }

  private deliver(channel: Channel, data: Buffer): void {
    const text = channel.decoder.write(data);
    if (text) this.onOutput(channel.category, text);
  }

  /** Shell redirections that send the program's output here (stdin from /dev/null). */
  redirections(): string {
    const [stdout, stderr] = this.channels;
    return `< /dev/null > ${shellQuote(stdout.path)} 2> ${shellQuote(stderr.path)}`;
  }

  /**
   * New write ends of the two pipes (stdout, stderr), for a program started
   * outside gdb (a restored snapshot). Blocking: the program must never see
   * EAGAIN on its stdout. The caller closes them once the program has them.
   */
  openWriters(): [number, number] {
    const [stdout, stderr] = this.channels;
    const out = fs.openSync(stdout.path, fs.constants.O_WRONLY);
    try {
      return [out, fs.openSync(stderr.path, fs.constants.O_WRONLY)];
    } catch (err) {
      fs.closeSync(out);
      throw err;
    }
  }

  /**
   * Reads whatever the program left in the pipes, synchronously: called when the
   * program has exited, so that its last output comes before the exit event.
   */
  drain(): void {
    if (this.disposed) return;
    const buf = Buffer.alloc(65536);
    for (const channel of this.channels) {
      for (;;) {
        let n: number;
        try {
          n = fs.readSync(channel.fd, buf, 0, buf.length, null);
        } catch {
          break; // EAGAIN: the pipe is empty
        }
        if (n <= 0) break;
        this.deliver(channel, Buffer.from(buf.subarray(0, n)));
      }
      const rest = channel.decoder.end();
      if (rest) this.onOutput(channel.category, rest);
      channel.decoder = new StringDecoder('utf8');
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const channel of this.channels) channel.socket.destroy();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

#!/usr/bin/env node
/**
 * The debug adapter's executable: DAP over stdin/stdout by default, or a TCP
 * server with `--server=PORT` (one session per connection; for debugging the
 * adapter itself and for tests).
 */
import * as net from 'net';
import { CkptDebugSession } from './session/ckptDebugSession';
import { createSessionOptions } from './session/sessionOptions';

function parsePort(argv: string[]): number | undefined {
  const arg = argv.find((a) => a.startsWith('--server='));
  if (!arg) return undefined;
  const port = Number(arg.slice('--server='.length));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`ckpt debug adapter: invalid port in '${arg}' (expected --server=PORT, 0-65535)\n`);
    process.exit(2);
  }
  return port;
}

// The programs being debugged must not outlive the adapter.
function killAllAndExit(code: number): void {
  CkptDebugSession.killAll();
  process.exit(code);
}
process.on('SIGTERM', () => killAllAndExit(143));
process.on('SIGINT', () => killAllAndExit(130));
process.on('SIGHUP', () => killAllAndExit(129));
process.on('exit', () => CkptDebugSession.killAll());

const port = parsePort(process.argv.slice(2));
if (port === undefined) {
  const session = new CkptDebugSession(createSessionOptions());
  session.setRunAsServer(false);
  session.start(process.stdin, process.stdout);
} else {
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    const session = new CkptDebugSession(createSessionOptions());
    session.setRunAsServer(true);
    session.start(socket, socket);
  });
  server.listen(port, '127.0.0.1', () => {
    const address = server.address() as net.AddressInfo;
    process.stdout.write(`ckpt debug adapter listening on 127.0.0.1:${address.port}\n`);
  });
}

import * as net from 'node:net';
import { errorMessage } from './ckptError';
import { readJsonLines, writeJsonLine } from './jsonLines';
import type { CtlReply, CtlRequest } from './ctlProtocol';

/** Serves `D/ctl.sock`: parses each request line, hands it to `handle`, writes the reply. */
export function createCtlServer(handle: (req: CtlRequest, progress: (msg: object) => void) => Promise<CtlReply>): net.Server {
  return net.createServer((sock) => {
    sock.on('error', () => undefined); // a client that went away is not our problem
    readJsonLines(
      sock,
      (msg) => {
        const req = parseCtlRequest(msg);
        const reply: Promise<CtlReply> =
          typeof req === 'string'
            ? Promise.resolve({ ok: false, error: req })
            : handle(req, (msg) => {
                if (!sock.destroyed) writeJsonLine(sock, msg);
              });
        reply
          .catch((err: unknown): CtlReply => ({ ok: false, error: errorMessage(err) }))
          .then((r) => {
            if (!sock.destroyed) writeJsonLine(sock, r);
          });
      },
      (line) => writeJsonLine(sock, { ok: false, error: `not a JSON request: ${line.slice(0, 80)}` }),
    );
  });
}

/** A request, or the reason it is not one. */
export function parseCtlRequest(msg: Record<string, unknown>): CtlRequest | string {
  switch (msg.cmd) {
    case 'checkpoint':
      if (msg.label !== undefined && typeof msg.label !== 'string') return 'checkpoint: label must be a string';
      if (msg.kill !== undefined && typeof msg.kill !== 'boolean') return 'checkpoint: kill must be true or false';
      if (msg.hold !== undefined && typeof msg.hold !== 'boolean') return 'checkpoint: hold must be true or false';
      return {
        cmd: 'checkpoint',
        label: msg.label as string | undefined,
        kill: msg.kill as boolean | undefined,
        hold: msg.hold as boolean | undefined,
      };
    case 'restore':
      if (typeof msg.snapshot !== 'string' || msg.snapshot === '') return 'restore: snapshot must be a non-empty string (a snapshot id)';
      if (msg.hold !== undefined && typeof msg.hold !== 'boolean') return 'restore: hold must be true or false';
      return msg.hold ? { cmd: 'restore', snapshot: msg.snapshot, hold: true } : { cmd: 'restore', snapshot: msg.snapshot };
    case 'invite':
      if (typeof msg.host !== 'string' || msg.host === '') return 'invite: host must be a non-empty string';
      return { cmd: 'invite', host: msg.host };
    case 'status':
    case 'kill':
    case 'info':
      return { cmd: msg.cmd };
    default:
      return `unknown command ${JSON.stringify(msg.cmd)}`;
  }
}

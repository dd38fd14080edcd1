import type { Socket } from 'node:net';

/**
 * Reads a stream of JSON objects, one per line (the framing of both engine.sock
 * and ctl.sock). A line that is not a JSON object goes to `onBad` instead of
 * breaking the connection: a peer's bug must not crash the coordinator.
 */
export function readJsonLines(
  socket: Socket,
  onMessage: (msg: Record<string, unknown>) => void,
  onBad: (line: string) => void = () => undefined,
): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line === '') continue;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        onBad(line);
        continue;
      }
      if (msg && typeof msg === 'object' && !Array.isArray(msg)) onMessage(msg as Record<string, unknown>);
      else onBad(line);
    }
  });
}

export function writeJsonLine(socket: Socket, msg: unknown, done?: (err?: Error | null) => void): void {
  socket.write(JSON.stringify(msg) + '\n', done);
}

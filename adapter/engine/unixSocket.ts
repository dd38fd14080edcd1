import * as fs from 'node:fs';
import * as net from 'node:net';
import { errnoCode } from './ckptError';

/** Resolves true when something accepts connections on `file` (a live peer), false otherwise. */
export function socketIsLive(file: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(file);
    const done = (live: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(live);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Listens on a Unix socket path (mode 0600), replacing a stale socket file left by a dead process. */
export async function listenPrivate(server: net.Server, file: string): Promise<void> {
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        server.off('listening', onListening);
        reject(err);
      };
      const onListening = () => {
        server.off('error', onError);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(file);
    });
  try {
    await listen();
  } catch (err) {
    if (errnoCode(err) !== 'EADDRINUSE') throw err;
    removeFile(file);
    await listen();
  }
  fs.chmodSync(file, 0o600);
}

export function removeFile(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}

export function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

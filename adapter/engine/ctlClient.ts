import * as fs from 'node:fs';
import * as net from 'node:net';
import { CkptError, errnoCode } from './ckptError';
import { ComputationDir } from './computationDir';
import { readJsonLines, writeJsonLine } from './jsonLines';
import { orphanedError, orphanedPids, orphanedWriters, removeLeftovers } from './orphanedProgram';
import { sigkillAll } from './sigkill';
import { assertTrustedDir } from './trustedDir';
import type { CtlInfo, CtlRequest, CtlRestored } from './ctlProtocol';
import type { ResourceTables, SnapshotInfo } from './tables';

/**
 * Client side of `D/ctl.sock`. Every failure becomes a CkptError; no
 * coordinator at all is "no program is running in D".
 */
export function ctlRequest(
  dir: string,
  req: CtlRequest,
  timeoutMs = 10 * 60 * 1000,
  onProgress?: (msg: Record<string, unknown>) => void,
): Promise<Record<string, unknown>> {
  const cdir = new ComputationDir(dir);
  // A socket planted by someone else would take the order: only a directory of this user's is trusted.
  try {
    if (fs.existsSync(cdir.dir)) assertTrustedDir(cdir.dir);
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise((resolve, reject) => {
    const sock = net.connect(cdir.ctlSocket);
    let settled = false;
    const finish = (err: Error | undefined, reply?: Record<string, unknown>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(
      () => finish(new CkptError(`the coordinator in ${cdir.dir} did not answer '${req.cmd}' within ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
    sock.once('connect', () => writeJsonLine(sock, req));
    sock.on('error', (err) => {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ECONNREFUSED') {
        const orphans = orphanedPids(cdir);
        if (code === 'ECONNREFUSED') removeLeftovers(cdir); // nobody answers: a dead coordinator's
        if (orphans.length === 0) finish(new CkptError(`no program is running in ${cdir.dir}`));
        else if (req.cmd === 'kill') {
          // writers of a snapshot that can no longer complete go too, uncounted: they are not the program
          sigkillAll(orphanedWriters(cdir));
          finish(undefined, { ok: true, killed: sigkillAll(orphans) });
        }
        else finish(orphanedError(cdir, orphans));
      }
      else finish(new CkptError(`cannot reach the coordinator in ${cdir.dir}: ${err.message}`));
    });
    sock.on('close', () => finish(new CkptError(`the coordinator in ${cdir.dir} closed the connection without answering '${req.cmd}'`)));
    readJsonLines(sock, (msg) => {
      if (msg.ok === undefined) {
        onProgress?.(msg);
        return;
      }
      if (msg.ok === true) finish(undefined, msg);
      else finish(new CkptError(typeof msg.error === 'string' ? msg.error : `the coordinator refused '${req.cmd}'`));
    });
  });
}

export interface CtlCheckpointOptions {
  label?: string;
  kill?: boolean;
  /** The program is held by a debugger (see CtlRequest); `onOrdersSent` says when to queue the signal. */
  hold?: boolean;
  onOrdersSent?: () => void;
}

export async function ctlCheckpoint(dir: string, opts: CtlCheckpointOptions = {}): Promise<SnapshotInfo> {
  const req: CtlRequest = { cmd: 'checkpoint', label: opts.label, kill: opts.kill ?? false };
  if (opts.hold) req.hold = true;
  const reply = await ctlRequest(dir, req, undefined, (msg) => {
    if (msg.sent === true) opts.onOrdersSent?.();
  });
  return reply.snapshot as SnapshotInfo;
}

export async function ctlStatus(dir: string): Promise<ResourceTables> {
  return (await ctlRequest(dir, { cmd: 'status' })).tables as ResourceTables;
}

export async function ctlKill(dir: string): Promise<number> {
  return (await ctlRequest(dir, { cmd: 'kill' })).killed as number;
}

export async function ctlInfo(dir: string, timeoutMs?: number): Promise<CtlInfo> {
  return (await ctlRequest(dir, { cmd: 'info' }, timeoutMs)).info as CtlInfo;
}

export interface CtlRestoreOptions {
  /** Hold the restored processes for a debugger (`ckpt-restore --hold`). */
  hold?: boolean;
  /** Called once the snapshot passed its check, just before the processes of now are killed. */
  onReplacing?: () => void | Promise<void>;
}

/** Has the coordinator in `dir` replace its computation by snapshot `snapshot` (see CtlRequest 'restore'). */
export async function ctlRestore(dir: string, snapshot: string, opts: CtlRestoreOptions = {}): Promise<CtlRestored> {
  const req: CtlRequest = opts.hold ? { cmd: 'restore', snapshot, hold: true } : { cmd: 'restore', snapshot };
  const reply = await ctlRequest(dir, req, undefined, (msg) => {
    if (msg.replacing === true) void opts.onReplacing?.();
  });
  return reply.restored as CtlRestored;
}

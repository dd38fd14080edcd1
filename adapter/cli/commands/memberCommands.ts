/**
 * The member side of a computation across hosts (native/README.md, "Jobs
 * across hosts"), run by `ckpt-rsh` on another host through the launcher
 * agent (ssh), not by people:
 *  - `ckpt member-exec --leader-port P [--leader HOST] --dir D -- PROGRAM...`
 *    is this host's coordinator: it runs PROGRAM (Open MPI's orted) under
 *    the engine, joins the leading coordinator (at the address the ssh
 *    connection came from, unless --leader says) with the token read from
 *    its standard input's first line, and exits with PROGRAM's status;
 *  - `ckpt member-restore --leader-port P [--leader HOST] --dir D --snapshot ID`:
 *    the same for this host's part of snapshot ID, started by the leading
 *    coordinator's restart (the token, then the restorers' secret, on its
 *    standard input); the connections to the leading host are made again
 *    with its restorer (`ckpt-restore --peer-host`);
 *  - `ckpt member-wait --dir D` waits until D's coordinator is gone: after a
 *    restart, the restored `ckpt-rsh` waits through it for this host's part.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CkptError } from '../../engine/ckptError';
import { Coordinator, RunningProgram } from '../../engine/coordinator';
import type { HostLink } from '../../engine/acrossHosts/hostLink';
import { joinLeader, LeaderAddress, sayEnding } from '../../engine/acrossHosts/memberLink';
import { socketIsLive } from '../../engine/unixSocket';
import { ComputationDir } from '../../engine/computationDir';
import { ParsedArgs, parseArgs } from '../argParser';
import { COMMAND_SPECS } from '../commandSpecs';
import { UsageError } from '../usageError';

export async function memberExecCommand(argv: string[]): Promise<number> {
  const args = parseArgs(COMMAND_SPECS['member-exec'], argv);
  if (args.rest.length === 0) throw new UsageError('missing PROGRAM', 'member-exec');
  const { dir, leader, token, address } = memberArgs(args, 'member-exec');
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
  const coordinator = await Coordinator.open(dir);
  try {
    // Joined first: a daemon that ran without the leader knowing would be left out of its snapshots.
    const link = await joinLeader(coordinator, leader, token, address);
    // Open MPI's daemon talks to mpirun over TCP: its standard input is not needed.
    const running = await coordinator.launch(args.rest[0], args.rest.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
    return await untilPartEnds(coordinator, running, link);
  } finally {
    await coordinator.close();
  }
}

export async function memberRestoreCommand(argv: string[]): Promise<number> {
  const args = parseArgs(COMMAND_SPECS['member-restore'], argv);
  const { dir, leader, token, address } = memberArgs(args, 'member-restore');
  const snapshot = args.values.get('snapshot');
  if (!snapshot) throw new UsageError('missing --snapshot', 'member-restore');
  // the second line: the secret this restart's restorers send each other
  const acrossHostsSecret = firstLine(0);
  if (!/^[0-9a-f]{64}$/.test(acrossHostsSecret)) throw new CkptError('no restart secret on standard input');
  const coordinator = await Coordinator.open(dir, { mustExist: true });
  const start = () => coordinator.startRestart(snapshot, { stdio: ['ignore', 'inherit', 'inherit'], peerHosts: [leader.host], acrossHostsSecret });
  return runMember(coordinator, start, leader, token, address);
}

/** Starts this host's part (checked before anything runs), joins the leader, and waits for the part to end. */
async function runMember(coordinator: Coordinator, start: () => Promise<RunningProgram>, leader: LeaderAddress, token: string, address: string): Promise<number> {
  try {
    const running = await start();
    return await untilPartEnds(coordinator, running, await joinLeader(coordinator, leader, token, address));
  } finally {
    await coordinator.close();
  }
}

/** This host's exit status once its part ended; the leader is told before the link closes. */
async function untilPartEnds(coordinator: Coordinator, running: RunningProgram, link: HostLink): Promise<number> {
  try {
    const { status } = await coordinator.untilEnd(running);
    sayEnding(link);
    return status;
  } finally {
    link.end();
  }
}

/** --dir, the leader's address (--leader, else where the ssh connection came from) and the token on stdin. */
function memberArgs(args: ParsedArgs, command: string): { dir: string; leader: LeaderAddress; token: string; address: string } {
  const dir = args.values.get('dir');
  if (!dir || !path.isAbsolute(dir)) throw new UsageError('--dir must be an absolute directory', command);
  const port = Number(args.values.get('leader-port'));
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('--leader-port must be a TCP port', command);
  const ssh = (process.env.SSH_CONNECTION ?? '').split(' ');
  const host = args.values.get('leader') ?? ssh[0];
  if (!host) throw new UsageError('--leader is needed where SSH_CONNECTION does not say where the leader is', command);
  const token = firstLine(0);
  if (!/^[0-9a-f]{16,}$/.test(token)) throw new CkptError('no invitation token on standard input');
  return { dir, leader: { host, port }, token, address: ssh[2] ?? '' };
}

export async function memberWaitCommand(argv: string[]): Promise<number> {
  const args = parseArgs(COMMAND_SPECS['member-wait'], argv);
  const dir = args.values.get('dir');
  if (!dir) throw new UsageError('missing --dir', 'member-wait');
  const ctl = new ComputationDir(dir).ctlSocket;
  while (await socketIsLive(ctl)) await new Promise((r) => setTimeout(r, 200));
  return 0;
}

/** The first line of fd `fd`, read byte by byte so that nothing after it is taken from the program. */
function firstLine(fd: number): string {
  const one = Buffer.alloc(1);
  let line = '';
  for (let i = 0; i < 4096; i++) {
    let n: number;
    try {
      n = fs.readSync(fd, one, 0, 1, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      break;
    }
    if (n === 0 || one[0] === 0x0a) break;
    line += String.fromCharCode(one[0]);
  }
  return line.trim();
}

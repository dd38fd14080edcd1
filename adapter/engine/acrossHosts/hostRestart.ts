/**
 * The restart of a snapshot across hosts (native/README.md, "Jobs across
 * hosts"): the leading coordinator starts, through each host's launcher
 * agent (the one `ckpt-rsh` used, recorded in the snapshot), that host's
 * member coordinator with `ckpt member-restore`, and waits for it to join
 * before its own restorer runs: both restorers then make the connections
 * between the hosts again. A host that refuses its part is named.
 */
import { spawn } from 'node:child_process';
import type { HostPart } from '../manifest';
import { MemberHosts } from './memberHosts';

/** How long a host may take to start its restorer and join. */
const JOIN_TIMEOUT_MS = 60000;

/** `secret`: what every restorer of this restart sends on the connections between hosts. */
export async function startHostRestores(hosts: MemberHosts, id: string, parts: HostPart[], secret: string): Promise<void> {
  await Promise.all(parts.map((part) => startHostRestore(hosts, id, part, secret)));
}

async function startHostRestore(hosts: MemberHosts, id: string, part: HostPart, secret: string): Promise<void> {
  const invite = await hosts.invite(part.name, part.dir);
  const words = [...part.agent, part.name, ...invite.ckpt.split(' ').map(shellWord),
    'member-restore', '--leader-port', String(invite.port), '--dir', shellWord(part.dir), '--snapshot', id];
  // The agent runs outside the engine: it is the link, not part of the program.
  const env = { ...process.env };
  for (const name of ['LD_PRELOAD', 'CKPT_ENGINE_SOCKET', 'CKPT_SIGNAL', 'CKPT_RECORD']) delete env[name];
  const agent = spawn(words[0], words.slice(1), { stdio: ['pipe', 'inherit', 'inherit'], env });
  const ended = new Promise<string>((resolve) => {
    agent.once('error', (err) => resolve(`cannot run ${words[0]}: ${err.message}`));
    agent.once('exit', (code, signal) => resolve(signal ? `its agent ended by ${signal}` : `its coordinator ended with status ${code}`));
  });
  agent.stdin!.on('error', () => undefined);
  // on standard input, never on a command line: the invitation's token, then the restorers' secret
  agent.stdin!.end(`${invite.token}\n${secret}\n`);
  await hosts.joined(part.name, ended, JOIN_TIMEOUT_MS);
}

/** A word for the remote shell: quoted unless plain. */
export function shellWord(w: string): string {
  return /^[A-Za-z0-9/._=:,+@-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

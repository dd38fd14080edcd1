import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { ENGINE_FD_MIN } from './engineFds';
import type { FdKind, FdRow, ProcessRow } from './tables';

/**
 * Reads the live resource tables of one process from /proc, from the outside:
 * this works even while gdb holds the program stopped.
 */

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function readArgv(pid: number): string[] {
  const raw = readText(`/proc/${pid}/cmdline`);
  if (!raw) return [];
  const parts = raw.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/**
 * The MPI rank of a process of an Open MPI job: mpirun gives each rank its
 * number in OMPI_COMM_WORLD_RANK, and a restored process's environment is its
 * image's. Undefined for any other process (mpirun itself included).
 */
export function readMpiRank(pid: number): number | undefined {
  const environ = readText(`/proc/${pid}/environ`);
  const value = environ?.split('\0').find((e) => e.startsWith('OMPI_COMM_WORLD_RANK='))?.slice('OMPI_COMM_WORLD_RANK='.length);
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** The kernel's ids of a process's threads, in order (none if it is gone). */
export function readTids(pid: number): number[] {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).map(Number).filter(Number.isInteger).sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/** The scheduler state letter of a process (R, S, D, T for stopped, t for held by a tracer, Z, ...). */
export function readState(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
}

/** Whether a process has ended (gone, or a zombie not yet reaped by its parent). */
export function processEnded(pid: number): boolean {
  return ['Z', 'X', undefined].includes(readState(pid));
}

/** pgid and sid from /proc/<pid>/stat (fields 5 and 6, after the parenthesized name). */
export function readSession(pid: number): { pgid?: number; sid?: number } {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return {};
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] = state, rest[1] = ppid, rest[2] = pgrp, rest[3] = session
  const pgid = Number(rest[2]);
  const sid = Number(rest[3]);
  return { pgid: Number.isInteger(pgid) ? pgid : undefined, sid: Number.isInteger(sid) ? sid : undefined };
}

/**
 * Process groups and sessions as the program sees them: /proc gives the
 * kernel's ids, which after a restart are the new real PIDs of the leaders.
 * A leader inside the computation is named by its virtual PID, like every
 * process in the tables; one outside it keeps the kernel's id.
 */
export function virtualizeSessions(processes: ProcessRow[]): void {
  const vpidOf = new Map(processes.map((p) => [p.pid, p.vpid]));
  for (const p of processes) {
    if (p.pgid !== undefined) p.pgid = vpidOf.get(p.pgid) ?? p.pgid;
    if (p.sid !== undefined) p.sid = vpidOf.get(p.sid) ?? p.sid;
  }
}

/** Classifies an fd by its link target and the type of what it points to. */
export function fdKind(fd: number, target: string, st: fs.Stats | undefined): FdKind {
  if (fd <= 2) return 'stdio';
  if (target.startsWith('pipe:')) return 'pipe';
  if (target.startsWith('socket:')) return 'socket';
  if (!st) return 'other';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  if (st.isCharacterDevice()) {
    return /^\/dev\/(pts\/|tty|console)/.test(target) ? 'tty' : 'device';
  }
  if (st.isBlockDevice()) return 'device';
  return 'other';
}

export function parseFdinfo(text: string): { pos?: number; flags?: number } {
  const out: { pos?: number; flags?: number } = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s*(\S+)/.exec(line);
    if (!m) continue;
    if (m[1] === 'pos') out.pos = Number.parseInt(m[2], 10);
    // The kernel prints flags in octal.
    if (m[1] === 'flags') out.flags = Number.parseInt(m[2], 8);
  }
  return out;
}

/** A TCP socket as /proc/<pid>/net/tcp{,6} lists it. */
export interface InetSocket {
  local: string;
  remote: string;
  listening: boolean;
}

/** `0100007F:9371` (little-endian words, as the kernel prints them) → `127.0.0.1:37745`. */
export function inetAddress(hex: string): string {
  const [addr, portHex] = hex.split(':');
  const port = Number.parseInt(portHex, 16);
  const bytes: number[] = [];
  // Each 32-bit word is in host (little-endian) order.
  for (let w = 0; w < addr.length; w += 8) {
    const word = addr.slice(w, w + 8);
    for (let b = 6; b >= 0; b -= 2) bytes.push(Number.parseInt(word.slice(b, b + 2), 16));
  }
  if (bytes.length === 4) return `${bytes.join('.')}:${port}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  // IPv4-mapped IPv6 addresses read best as IPv4.
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') return `${bytes.slice(12).join('.')}:${port}`;
  return `[${groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}]:${port}`;
}

/** Parses /proc/net/tcp or tcp6 text: socket inode → endpoints. */
export function parseNetTcp(text: string, into = new Map<string, InetSocket>()): Map<string, InetSocket> {
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const listening = f[3] === '0A';
    into.set(f[9], { local: inetAddress(f[1]), remote: inetAddress(f[2]), listening });
  }
  return into;
}

/** The TCP sockets of the network namespace `pid` is in (a few KiB of text; read once per process). */
export function readInetSockets(pid: number): Map<string, InetSocket> {
  const map = new Map<string, InetSocket>();
  for (const name of ['tcp', 'tcp6']) parseNetTcp(readText(`/proc/${pid}/net/${name}`) ?? '', map);
  return map;
}

/** `readInetSockets(pid)` run at most once, when first needed. */
export function lazyInetSockets(pid: number): () => Map<string, InetSocket> {
  let map: Map<string, InetSocket> | undefined;
  return () => (map ??= readInetSockets(pid));
}

/**
 * The open fds of a process. `hide` names fds that belong to the engine itself
 * (its connection to the coordinator), which the program never opened.
 */
export function readFds(
  pid: number,
  hide: (fd: number, target: string) => boolean = () => false,
  inetSockets: () => Map<string, InetSocket> = lazyInetSockets(pid),
): FdRow[] {
  let names: string[];
  try {
    names = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const rows: FdRow[] = [];
  for (const name of names) {
    const fd = Number(name);
    if (!Number.isInteger(fd)) continue;
    let target: string;
    try {
      target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed while we looked
    }
    if (hide(fd, target)) continue;
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      st = undefined;
    }
    const info = parseFdinfo(readText(`/proc/${pid}/fdinfo/${fd}`) ?? '');
    const row: FdRow = { fd, kind: fdKind(fd, target, st), path: target, flags: info.flags ?? 0 };
    // Only seekable things have a meaningful offset.
    if (info.pos !== undefined && st && (st.isFile() || st.isBlockDevice() || st.isDirectory())) row.offset = info.pos;
    const sock = /^socket:\[(\d+)\]$/.exec(target);
    if (sock) {
      const tcp = inetSockets().get(sock[1]);
      if (tcp) {
        row.local = tcp.local;
        if (!tcp.listening) row.remote = tcp.remote;
      }
    }
    rows.push(row);
  }
  rows.sort((a, b) => a.fd - b.fd);
  return rows;
}

/** Unix stream sockets: inode → the inode of the socket at the other end. */
export type UnixPeers = Map<number, number>;

/** Parses `ss -xnH` lines: `u_str ESTAB 0 0 <path|*> <inode> <path|*> <peer inode> ...`. */
export function parseSsUnix(text: string): UnixPeers {
  const peers: UnixPeers = new Map();
  for (const line of text.split('\n')) {
    const m = /^\S+\s+\S+\s+\d+\s+\d+\s+.*?\s(\d+)\s+\S*\s+(\d+)(\s|$)/.exec(line);
    if (m && m[2] !== '0') peers.set(Number(m[1]), Number(m[2]));
  }
  return peers;
}

/**
 * Who is at the other end of each Unix socket. /proc does not say; `ss`
 * (iproute2) asks the kernel's socket diagnostics. Without it, no peers.
 */
export function readUnixPeers(): UnixPeers {
  try {
    return parseSsUnix(execFileSync('ss', ['-xnH'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }));
  } catch {
    return new Map();
  }
}

/** What a manifest keeps of a socket: TCP endpoints, or a Unix socket's peer inode (the image has only `socket:[inode]`). */
export interface SavedSocket {
  fd: number;
  path: string;
  local?: string;
  remote?: string;
  peerInode?: number;
}

function socketInode(path: string): number | undefined {
  const m = /^socket:\[(\d+)\]$/.exec(path);
  return m ? Number(m[1]) : undefined;
}

/**
 * The sockets of a process as a manifest keeps them. This runs while the
 * program waits, stopped: `inetSockets` (the TCP table, which processes of one
 * network namespace can share) is read only if the process has a socket, and
 * `unixPeers` (which runs `ss`) only if one of them is not TCP.
 */
export function socketEndpoints(pid: number, unixPeers: () => UnixPeers, inetSockets?: () => Map<string, InetSocket>): SavedSocket[] {
  const out: SavedSocket[] = [];
  // The engine's own sockets (from fd 1000 up) are left out before anything is looked up for them.
  const engineSocket = (fd: number, target: string) => fd >= ENGINE_FD_MIN && target.startsWith('socket:');
  for (const f of readFds(pid, engineSocket, inetSockets)) {
    const inode = socketInode(f.path);
    if (inode === undefined) continue;
    if (f.local !== undefined) out.push({ fd: f.fd, path: f.path, local: f.local, ...(f.remote !== undefined ? { remote: f.remote } : {}) });
    else if (unixPeers().has(inode)) out.push({ fd: f.fd, path: f.path, peerInode: unixPeers().get(inode) });
  }
  return out;
}

/** `readUnixPeers` run at most once, when first needed. */
export function lazyUnixPeers(): () => UnixPeers {
  let peers: UnixPeers | undefined;
  return () => (peers ??= readUnixPeers());
}

/** Puts saved TCP endpoints back on a snapshot's fd rows (same fd, same socket); adds saved Unix pairs to `unixPeers`. */
export function applySocketEndpoints(fds: FdRow[], sockets: SavedSocket[] = [], unixPeers?: UnixPeers): void {
  for (const s of sockets) {
    const row = fds.find((f) => f.fd === s.fd && f.path === s.path);
    if (!row) continue;
    if (s.local !== undefined) row.local = s.local;
    if (s.remote !== undefined) row.remote = s.remote;
    const inode = socketInode(s.path);
    if (s.peerInode !== undefined && inode !== undefined) unixPeers?.set(inode, s.peerInode);
  }
}

interface End {
  vpid: number;
  row: FdRow;
}

/** The better peer of `end` among `ends`: another process first, then the opposite direction. */
function bestPeer(end: End, ends: End[]): End | undefined {
  const access = (e: End) => e.row.flags & 3;
  const others = ends.filter((e) => e !== end && !(e.vpid === end.vpid && e.row.fd === end.row.fd));
  const score = (e: End) => (e.vpid !== end.vpid ? 2 : 0) + (access(e) !== access(end) ? 1 : 0);
  const best = others.sort((a, b) => score(b) - score(a))[0];
  // The same pipe end twice in one process (dup) is not a peer.
  if (!best || (best.vpid === end.vpid && access(best) === access(end))) return undefined;
  return best;
}

/**
 * Links the two ends of pipes and sockets that are both inside the
 * computation. A pipe is one `pipe:[inode]` open in several places; a TCP
 * connection is two sockets whose endpoints mirror each other; a Unix socket's
 * peer is the inode `unixPeers` names (none without it).
 */
export function linkPeers(processes: ProcessRow[], unixPeers: UnixPeers = new Map()): void {
  const pipes = new Map<string, End[]>();
  const tcp = new Map<string, End[]>();
  const sockets = new Map<number, End[]>();
  for (const p of processes) {
    for (const row of p.fds) {
      delete row.peer;
      if (/^pipe:\[\d+\]$/.test(row.path)) {
        const list = pipes.get(row.path) ?? [];
        list.push({ vpid: p.vpid, row });
        pipes.set(row.path, list);
      } else if (socketInode(row.path) !== undefined && row.local === undefined) {
        const inode = socketInode(row.path)!;
        const list = sockets.get(inode) ?? [];
        list.push({ vpid: p.vpid, row });
        sockets.set(inode, list);
      } else if (row.local !== undefined && row.remote !== undefined) {
        const key = `${row.local} ${row.remote}`;
        const list = tcp.get(key) ?? [];
        list.push({ vpid: p.vpid, row });
        tcp.set(key, list);
      }
    }
  }
  for (const ends of pipes.values()) {
    for (const end of ends) {
      const peer = bestPeer(end, ends);
      if (peer) end.row.peer = { vpid: peer.vpid, fd: peer.row.fd };
    }
  }
  for (const [inode, ends] of sockets) {
    const other = unixPeers.get(inode);
    const mirror = other === undefined ? undefined : sockets.get(other);
    if (!mirror) continue;
    for (const end of ends) {
      const peer = mirror.find((e) => e.vpid !== end.vpid) ?? mirror[0];
      end.row.peer = { vpid: peer.vpid, fd: peer.row.fd };
    }
  }
  for (const ends of tcp.values()) {
    for (const end of ends) {
      const mirror = tcp.get(`${end.row.remote} ${end.row.local}`);
      const peer = mirror?.find((e) => e.vpid !== end.vpid) ?? mirror?.[0];
      if (peer) end.row.peer = { vpid: peer.vpid, fd: peer.row.fd };
    }
  }
}

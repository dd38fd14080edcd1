import * as fs from 'node:fs';
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

/** The scheduler state letter of a process (R, S, D, T for stopped, t for held by a tracer, Z, ...). */
export function readState(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
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

/**
 * The open fds of a process. `hide` names fds that belong to the engine itself
 * (its connection to the coordinator), which the program never opened.
 */
export function readFds(pid: number, hide: (fd: number, target: string) => boolean = () => false): FdRow[] {
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
    rows.push(row);
  }
  rows.sort((a, b) => a.fd - b.fd);
  return rows;
}

/**
 * Links the two ends of pipes and sockets that are both inside the computation:
 * the same `pipe:[inode]` name open in two different processes.
 */
export function linkPeers(processes: ProcessRow[]): void {
  const byName = new Map<string, { vpid: number; row: FdRow }[]>();
  for (const p of processes) {
    for (const row of p.fds) {
      if (!/^(pipe|socket):\[\d+\]$/.test(row.path)) continue;
      const list = byName.get(row.path) ?? [];
      list.push({ vpid: p.vpid, row });
      byName.set(row.path, list);
    }
  }
  for (const ends of byName.values()) {
    for (const end of ends) {
      const other = ends.find((e) => e.vpid !== end.vpid);
      if (other) end.row.peer = { vpid: other.vpid, fd: other.row.fd };
    }
  }
}

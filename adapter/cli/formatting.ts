import type { ImageMemoryRegion, InspectedImage } from '../engine/imageInspector';
import type { FdRow, ProcessRow, ResourceTables, SnapshotInfo } from '../engine/tables';
import { textTable } from './textTable';

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** Local time, to the second: what a person at the terminal reads best. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const ACCESS = ['O_RDONLY', 'O_WRONLY', 'O_RDWR'];
const FLAG_BITS: [number, string][] = [
  [0o100, 'O_CREAT'],
  [0o200, 'O_EXCL'],
  [0o400, 'O_NOCTTY'],
  [0o1000, 'O_TRUNC'],
  [0o2000, 'O_APPEND'],
  [0o4000, 'O_NONBLOCK'],
  [0o10000, 'O_DSYNC'],
  [0o40000, 'O_DIRECT'],
  [0o200000, 'O_DIRECTORY'],
  [0o400000, 'O_NOFOLLOW'],
  [0o1000000, 'O_NOATIME'],
  [0o2000000, 'O_CLOEXEC'],
];

/** open(2) flags as names (Linux x86_64 values), e.g. `O_WRONLY|O_APPEND`. */
export function formatFlags(flags: number): string {
  const names = [ACCESS[flags & 3] ?? `O_ACCMODE=${flags & 3}`];
  let known = 3 | 0o100000; // O_LARGEFILE is always set by 64-bit kernels: noise
  for (const [bit, name] of FLAG_BITS) {
    known |= bit;
    if (flags & bit) names.push(name);
  }
  const unknown = flags & ~known;
  if (unknown) names.push(`0${unknown.toString(8)}`);
  return names.join('|');
}

export function snapshotListText(snapshots: SnapshotInfo[]): string {
  return textTable(
    ['ID', 'LABEL', 'TIME', 'SIZE', 'PROCESSES'],
    snapshots.map((s) => [s.id, s.label ?? '', formatTime(s.time), formatBytes(s.size), processCount(s)]),
  );
}

function processText(p: ProcessRow, memory?: ImageMemoryRegion[]): string {
  const parts: string[] = [];
  const group = p.pgid !== undefined ? `, group ${p.pgid}` : '';
  const session = p.sid !== undefined ? `, session ${p.sid}` : '';
  const rank = p.mpiRank !== undefined ? `, MPI rank ${p.mpiRank}` : '';
  const host = p.host !== undefined ? `, on host ${p.host}` : '';
  parts.push(`Process ${p.vpid} (pid ${p.pid}, parent ${p.vppid}${group}${session}${rank}${host}): ${p.argv.join(' ')}\n`);
  for (const [name, value] of Object.entries(p.plugins ?? {})) parts.push(`  ${name}: ${JSON.stringify(value)}\n`);
  parts.push('\n  Threads\n');
  parts.push(indent(textTable(['VTID', 'TID'], p.threads.map((t) => [t.vtid, t.tid]))));
  parts.push('\n  File descriptors\n');
  parts.push(
    indent(
      textTable(
        ['FD', 'KIND', 'OFFSET', 'FLAGS', 'PATH'],
        p.fds.map((f) => [
          f.fd,
          f.kind,
          f.offset === undefined ? '-' : String(f.offset),
          formatFlags(f.flags),
          f.path + endpoints(f) + (f.peer ? `  (peer: process ${f.peer.vpid} fd ${f.peer.fd})` : ''),
        ]),
      ),
    ),
  );
  if (p.files && p.files.length > 0) {
    parts.push('\n  Files (saved: put back at restart; checked: compared at restart)\n');
    parts.push(indent(textTable(['HOW', 'SIZE', 'WHY', 'PATH'], p.files.map((f) => [f.how, formatBytes(f.size), f.why.join(','), f.path]))));
  }
  if (memory) {
    parts.push('\n  Memory regions\n');
    parts.push(
      indent(
        textTable(
          ['START', 'END', 'PROT', 'KIND', 'SAVED', 'PATH'],
          memory.map((m) => [m.start, m.end, m.prot, m.kind, formatBytes(m.savedBytes ?? 0), m.path ?? '']),
        ),
      ),
    );
  }
  return parts.join('');
}

/** A TCP socket's addresses: `local → remote`, or `listening on local`. */
function endpoints(f: FdRow): string {
  if (f.local === undefined) return '';
  return f.remote === undefined ? ` listening on ${f.local}` : ` ${f.local} → ${f.remote}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
}

export function tablesText(tables: ResourceTables, images?: InspectedImage[]): string {
  return tables.processes
    .map((p) => processText(p, images?.find((i) => i.vpid === p.vpid)?.memory))
    .join('\n');
}

export function snapshotHeaderText(info: SnapshotInfo): string {
  const label = info.label ? ` "${info.label}"` : '';
  const n = info.processes === 1 ? '1 process' : `${info.processes} processes`;
  return `Snapshot ${info.id}${label}, taken ${formatTime(info.time)}, ${formatBytes(info.size)}, ${n}\n\n`;
}

/** A snapshot's processes, and on how many hosts when more than one. */
function processCount(s: SnapshotInfo): string | number {
  if (!s.hosts || s.hosts.length === 0) return s.processes;
  return `${s.processes + s.hosts.reduce((n, h) => n + h.processes, 0)} on ${s.hosts.length + 1} hosts`;
}

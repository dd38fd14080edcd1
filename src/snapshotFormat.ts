/**
 * How snapshots and resource rows read in the views. No `vscode` here, so the unit
 * tests can check it without an editor.
 */
import type { FdRow, FileRow, ProcessRow, ResourceTables, SnapshotInfo } from '../adapter/protocol';

export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** Local wall-clock time, HH:MM:SS; the full date goes in the tooltip. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function snapshotLabel(s: SnapshotInfo): string {
  return s.label && s.label.trim() !== '' ? s.label : s.id;
}

export function snapshotDescription(s: SnapshotInfo, restoredFrom?: string): string {
  const parts = [formatTime(s.time), formatSize(s.size), `${s.processes} ${s.processes === 1 ? 'process' : 'processes'}`];
  if (restoredFrom === s.id) parts.push('restored');
  return parts.join(' · ');
}

export function snapshotTooltip(s: SnapshotInfo, restoredFrom?: string): string {
  const lines = [
    `${snapshotLabel(s)} (${s.id})`,
    `taken ${new Date(s.time).toString()}`,
    `${formatSize(s.size)} in ${s.processes} ${s.processes === 1 ? 'process' : 'processes'}`,
  ];
  if (restoredFrom === s.id) lines.push('the program was last restored from this snapshot');
  return lines.join('\n');
}

/** One row of the Resources view, before it becomes a TreeItem. */
export interface ResourceRow {
  kind: 'process' | 'thread' | 'fd' | 'file';
  /** Unique within the tree (the view keeps expansion state by it). */
  key: string;
  label: string;
  description: string;
  tooltip: string;
  children: ResourceRow[];
}

export function processRow(p: ProcessRow, source: string): ResourceRow {
  // PIDs are per host: a process of another host of the computation is known by both.
  const key = p.host !== undefined ? `${source}/${p.host}/p${p.vpid}` : `${source}/p${p.vpid}`;
  const where = p.host !== undefined ? ` on ${p.host}` : '';
  const full = p.argv.join(' ');
  // The program's file name and arguments fit the row; the full path goes in the tooltip.
  const name = p.argv.length > 0 ? [p.argv[0].slice(p.argv[0].lastIndexOf('/') + 1), ...p.argv.slice(1)].join(' ') : '';
  return {
    kind: 'process',
    key,
    // A rank of an MPI job is known by its number first.
    label: p.mpiRank !== undefined ? `rank ${p.mpiRank}: ${p.vpid} → ${p.pid}` : `${p.vpid} → ${p.pid}`,
    description: p.host !== undefined ? `${name} (${p.host})` : name,
    tooltip: `process: virtual pid ${p.vpid}, real pid ${p.pid}, parent ${p.vppid}` +
      (p.mpiRank !== undefined ? `, MPI rank ${p.mpiRank}` : '') + where + (full ? `\n${full}` : ''),
    children: [
      ...p.threads.map((t): ResourceRow => ({
        kind: 'thread',
        key: `${key}/t${t.vtid}`,
        label: `${t.vtid} → ${t.tid}`,
        description: 'thread',
        tooltip: `thread: virtual tid ${t.vtid}, real tid ${t.tid}`,
        children: [],
      })),
      ...p.fds.map((f) => fdRow(f, key)),
      ...(p.files ?? []).map((f, i) => fileRow(f, `${key}/file${i}`)),
    ],
  };
}

/** A snapshot's file: held by it (put back at restore) or only checked. */
export function fileRow(f: FileRow, key: string): ResourceRow {
  const held = f.how === 'checked' ? 'checked at restore' : 'in the snapshot';
  return {
    kind: 'file',
    key,
    label: f.path.slice(f.path.lastIndexOf('/') + 1) || f.path,
    description: `${held} (${f.why.join(', ')})${f.how === 'saved' ? ` ${formatSize(f.size)}` : ''}`,
    tooltip: `${f.path}\n${f.how === 'checked' ? 'only checked: a restore says whether it changed since the snapshot' : f.how === 'saved' ? `its contents (${f.size} bytes) are in the snapshot and put back at restore` : 'a folder of a tracked folder: made again at restore'}`,
    children: [],
  };
}

export function fdRow(f: FdRow, parentKey: string): ResourceRow {
  const target = f.peer ? `${f.path} ⇄ process ${f.peer.vpid} fd ${f.peer.fd}` : f.path;
  const offset = f.offset !== undefined ? ` @${f.offset}` : '';
  return {
    kind: 'fd',
    key: `${parentKey}/f${f.fd}`,
    label: `${f.fd}`,
    description: `${f.kind} ${target}${offset}`,
    tooltip: `fd ${f.fd} (${f.kind}, flags 0x${f.flags.toString(16)})\n${target}` +
      (f.offset !== undefined ? `\noffset ${f.offset}` : ''),
    children: [],
  };
}

export function resourceRows(tables: ResourceTables): ResourceRow[] {
  return tables.processes.map((p) => processRow(p, tables.source));
}

/**
 * What the Snapshot Timeline draws, worked out from the session's snapshots and stops:
 * where each one sits along the program's run (a fraction of the axis), whose it is
 * (the user's own, or taken automatically), its size, and where the program stands
 * now. No `vscode` and no DOM here: the unit tests check it, the webview only draws it.
 */
import type { SnapshotInfo } from '../../adapter/protocol';
import { formatSize, formatTime, snapshotLabel } from '../snapshotFormat';
import { Branch, branchesOf, rowAt } from './branches';

/** A stop the client was told about, as the run tracker saw it. */
export interface StopRecord {
  /** Milliseconds since the epoch. */
  time: number;
  reason: string;
  description?: string;
  /** For a stop after a jump in time: the snapshot the program was restored to. */
  restoredTo?: string;
}

export interface TimelineInput {
  snapshots: SnapshotInfo[];
  restoredFrom?: string;
  stops: StopRecord[];
  /** When the debug session started (ms since the epoch). */
  startedAt?: number;
  now: number;
  /** The program's state: stopped, running, or ended (no live position). */
  state: 'stopped' | 'running' | 'ended';
  /** The snapshot the program stands at (restored to it and not run since). */
  atSnapshot?: string;
}

export interface TimelineSnapshot {
  id: string;
  name: string;
  kind: 'user' | 'auto';
  /** Position along the axis, 0..1. */
  x: number;
  size: number;
  sizeText: string;
  /** Size over the largest snapshot's, 0..1 (the mark's height). */
  sizeRatio: number;
  timeText: string;
  /** Lines of the hover card. */
  detail: string[];
  /** The program was last restored from this snapshot. */
  restored: boolean;
  /** The program stands here now. */
  here: boolean;
  /** The row of the branch it was taken on (0: the first run). */
  row: number;
}

export interface TimelineStop { x: number; row: number; reason: string; title: string; jump?: { toX: number; to: string } }

/**
 * One branch of the run on its row: from `fromX` (where the jump back that began it
 * was made; 0 for the first run) to `toX` (the next jump back, or the end), leaving
 * from a snapshot on another row (`fork`) when it follows a jump back.
 */
export interface TimelineLane {
  row: number;
  fromX: number;
  toX: number;
  fork?: { x: number; row: number; snapshot: string };
  /** The branch the program is on. */
  current: boolean;
}

export interface TimelineModel {
  snapshots: TimelineSnapshot[];
  stops: TimelineStop[];
  /** The branches of the run, in the order they began; `rows` rows in all. */
  lanes: TimelineLane[];
  rows: number;
  /** Where the program stands: on a snapshot, or live at the end of its branch. */
  here?: { x: number; row: number; text: string; onSnapshot?: string };
  startText: string;
  endText: string;
  /** Where the session's own run starts on the axis (after snapshots from before it). */
  runStartX: number;
  summary: string;
  /** The summary's parts, for the line above the picture (which doubles as its legend). */
  counts: { users: number; autos: number; totalText: string };
}

/** Snapshots the debug adapter (`auto: <reason>`) or `ckpt launch --interval` took by themselves. */
export function isAutomatic(s: SnapshotInfo): boolean {
  return /^auto:/.test(s.label ?? '') || s.label === 'interval';
}

/** Snapshots older than the session are kept on the left, evenly spaced, apart from its run. */
const EARLIER_ZONE = 0.14;
const RUN_START = 0.2;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function timelineModel(input: TimelineInput): TimelineModel {
  const times = input.snapshots.map((s) => Date.parse(s.time)).filter((t) => Number.isFinite(t));
  const stopTimes = input.stops.map((s) => s.time);
  const runStart = input.startedAt ?? Math.min(input.now, ...times, ...stopTimes);
  const earlier = input.snapshots.filter((s) => Date.parse(s.time) < runStart - 1000)
    .sort((a, b) => a.time.localeCompare(b.time));
  const runStartX = earlier.length > 0 ? RUN_START : 0;
  const end = Math.max(input.now, runStart + 1000, ...times, ...stopTimes);
  const along = (t: number): number => runStartX + (1 - runStartX) * Math.min(1, Math.max(0, (t - runStart) / (end - runStart)));
  const xOf = (s: SnapshotInfo): number => {
    const i = earlier.indexOf(s);
    return i >= 0 ? (EARLIER_ZONE * (i + 0.5)) / earlier.length : along(Date.parse(s.time));
  };
  const largest = Math.max(1, ...input.snapshots.map((s) => s.size));
  const here = input.state !== 'ended' && input.atSnapshot && input.snapshots.some((s) => s.id === input.atSnapshot)
    ? input.atSnapshot : undefined;
  const byId = new Map(input.snapshots.map((s) => [s.id, s]));
  const branches = branchesOf(input.stops, runStart, (id) => {
    const t = byId.has(id) ? Date.parse(byId.get(id)!.time) : NaN;
    return Number.isFinite(t) ? t : undefined;
  });
  const rowOf = (t: number): number => rowAt(branches, t);
  const snapshotRow = (s: SnapshotInfo): number => (earlier.includes(s) ? 0 : rowOf(Date.parse(s.time)));

  const snapshots = [...input.snapshots].sort((a, b) => a.time.localeCompare(b.time)).map((s): TimelineSnapshot => {
    const kind = isAutomatic(s) ? 'auto' : 'user';
    const detail = [
      `${snapshotLabel(s)}${s.label ? ` (${s.id})` : ''}`,
      `${kind === 'user' ? 'saved by you' : 'saved automatically'} at ${formatTime(s.time)}`,
      `${formatSize(s.size)} · ${plural(s.processes, 'process', 'processes')}`,
    ];
    if (s.id === here) detail.push('the program stands here now');
    else if (s.id === input.restoredFrom) detail.push('the program was last restored from here');
    detail.push('click to restore');
    return {
      id: s.id, name: snapshotLabel(s), kind, x: xOf(s), size: s.size, sizeText: formatSize(s.size),
      sizeRatio: s.size / largest, timeText: formatTime(s.time), detail,
      restored: s.id === input.restoredFrom, here: s.id === here, row: snapshotRow(s),
    };
  });

  const stops = input.stops.map((st): TimelineStop => {
    const target = st.restoredTo ? byId.get(st.restoredTo) : undefined;
    const when = formatTime(new Date(st.time).toISOString());
    return {
      x: along(st.time),
      row: rowOf(st.time),
      reason: st.reason,
      title: target ? `${when}: went back to ${snapshotLabel(target)}` : `${when}: stopped (${st.description ?? st.reason})`,
      jump: target ? { toX: xOf(target), to: target.id } : undefined,
    };
  });

  let position: TimelineModel['here'];
  if (here) {
    const s = byId.get(here)!;
    position = { x: xOf(s), row: snapshotRow(s), text: `here: ${snapshotLabel(s)}`, onSnapshot: here };
  } else if (input.state !== 'ended') {
    const last = input.stops[input.stops.length - 1];
    const text = input.state === 'running' ? 'now: running' : `now: stopped${last ? ` (${last.reason})` : ''}`;
    position = { x: 1, row: branches[branches.length - 1].row, text };
  }
  const lanes = lanesOf(branches, along, (id) => (byId.has(id) ? xOf(byId.get(id)!) : undefined), input.state !== 'ended');

  const users = snapshots.filter((s) => s.kind === 'user').length;
  const total = input.snapshots.reduce((n, s) => n + s.size, 0);
  const summary = snapshots.length === 0
    ? 'No snapshots yet'
    : `${plural(snapshots.length, 'snapshot')} · ${formatSize(total)} · ${users} yours, ${snapshots.length - users} automatic`;
  return {
    snapshots, stops, lanes, rows: 1 + Math.max(...branches.map((b) => b.row)), here: position, runStartX, summary,
    counts: { users, autos: snapshots.length - users, totalText: formatSize(total) },
    startText: earlier.length > 0 ? `earlier · ${formatTime(new Date(runStart).toISOString())}` : formatTime(new Date(runStart).toISOString()),
    endText: formatTime(new Date(end).toISOString()),
  };
}

/** The branches as drawn: positions along the axis; the last is the one the program is on, while it lives. */
function lanesOf(branches: Branch[], along: (t: number) => number, snapshotX: (id: string) => number | undefined, live: boolean): TimelineLane[] {
  return branches.map((b, i): TimelineLane => ({
    row: b.row,
    fromX: i === 0 ? 0 : along(b.start),
    toX: b.end === undefined ? 1 : along(b.end),
    fork: b.from && { x: snapshotX(b.from.snapshot) ?? along(b.from.time), row: b.from.row, snapshot: b.from.snapshot },
    current: live && i === branches.length - 1,
  }));
}

/**
 * Pushes sorted positions apart so that neighbours are at least `gap` apart (all
 * fractions of the axis), keeping them inside 0..1 and in order: marks taken close
 * together stay side by side instead of on top of each other.
 */
export function spread(xs: number[], gap: number): number[] {
  const n = xs.length;
  if (n === 0) return [];
  const g = Math.min(gap, n > 1 ? 1 / (n - 1) : gap);
  const out = [...xs].map((x) => Math.min(1, Math.max(0, x)));
  for (let i = 1; i < n; i++) out[i] = Math.max(out[i], out[i - 1] + g);
  out[n - 1] = Math.min(out[n - 1], 1);
  for (let i = n - 2; i >= 0; i--) out[i] = Math.min(out[i], out[i + 1] - g);
  out[0] = Math.max(out[0], 0);
  for (let i = 1; i < n; i++) out[i] = Math.max(out[i], out[i - 1] + g);
  return out.map((x) => Math.round(x * 1e6) / 1e6);
}

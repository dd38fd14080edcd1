import * as fs from 'node:fs';
import type { SavedFilesSummary } from './fileRecords';
import type { SavedSocket } from './procTables';
import type { SnapshotInfo } from './tables';

export const MANIFEST_FORMAT = 1;

/** One saved process of a snapshot. */
export interface ManifestProcess {
  vpid: number;
  /** The kernel pid when the snapshot was taken. */
  pid: number;
  vppid: number;
  ppid: number;
  /** Image file name inside the snapshot directory (`p<vpid>.img`). */
  image: string;
  /** Bytes the image added: its own, and those of the blocks of pages it wrote (not those it linked). */
  bytes: number;
  /** Engine timings: how long the program was stopped and how long the write took. */
  pauseUs?: number;
  writeUs?: number;
  /** The pages were written by a forked writer while the program ran on (false: while it was stopped). */
  forked?: boolean;
  /** How the engine finds the pages changed since its previous snapshot (native/lib/plugins/memory/dirty.h). */
  tracking?: 'uffd-wp' | 'hash';
  /**
   * Bytes of written pages copied while the program was stopped, so that the
   * forked writer did not need their regions (native/lib/plugins/memory/written_copy.c).
   */
  copiedBytes?: number;
  /** The files the process had open or mapped: how many the snapshot holds, how many it only checks. */
  files?: SavedFilesSummary;
  /** Bytes the process saved from the pipe at its fd 0 (the pipe's inode): its input waiting. */
  stdin?: { ino: number; bytes: number };
  /**
   * The process's sockets when it was saved (TCP endpoints, Unix peer inodes;
   * the image keeps only `socket:[inode]`): what links a snapshot's sockets to their peers.
   */
  sockets?: SavedSocket[];
  /** A rank of an Open MPI job: its number (OMPI_COMM_WORLD_RANK), read when it was ordered. */
  mpiRank?: number;
}

export type { SavedSocket as ManifestSocket } from './procTables';

/** `D/snapshots/<id>/manifest.json`: written last, so its presence marks a complete snapshot. */
export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  id: string;
  label?: string;
  time: string;
  size: number;
  /** vpid of the process the restart starts from (the one the coordinator launched). */
  root: number;
  processes: ManifestProcess[];
  /** Wall time of the whole checkpoint as the coordinator saw it. */
  totalMs: number;
  /** The snapshot the computation was restarted from, if it was. */
  restoredFrom?: string;
  /** SnapshotInfo.stdinNotSaved */
  stdinNotSaved?: number;
  /** The folders whose whole contents the snapshot holds (`ckpt launch --track`): a restart goes on tracking them. */
  trackFolders?: string[];
  /**
   * A computation across hosts: the parts its other hosts saved, each in
   * that host's own directory (native/README.md, "Jobs across hosts").
   */
  hosts?: HostPart[];
}

/** One other host's part of a snapshot. */
export interface HostPart {
  /** The host as the job named it (mpirun's host list). */
  name: string;
  /** The address its processes had (SSH_CONNECTION's server address). */
  address: string;
  /** The host's computation directory, on that host. */
  dir: string;
  /** The launcher agent that reaches it (`ckpt-rsh`'s CKPT_RSH_AGENT words). */
  agent: string[];
  processes: ManifestProcess[];
  size: number;
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Validates parsed JSON; returns a reason when it is not a manifest. */
export function manifestProblem(m: unknown, id: string): string | undefined {
  if (!m || typeof m !== 'object') return 'not a JSON object';
  const o = m as Record<string, unknown>;
  if (o.format !== MANIFEST_FORMAT) return `unknown format ${JSON.stringify(o.format)}`;
  if (o.id !== id) return `its id ${JSON.stringify(o.id)} does not match the directory name`;
  if (typeof o.time !== 'string' || Number.isNaN(Date.parse(o.time))) return 'bad time';
  if (!isInt(o.size)) return 'bad size';
  if (o.label !== undefined && typeof o.label !== 'string') return 'bad label';
  if (!isInt(o.root)) return 'bad root';
  if (!Array.isArray(o.processes) || o.processes.length === 0) return 'no processes';
  for (const p of o.processes as unknown[]) {
    const q = p as Record<string, unknown>;
    if (!q || !isInt(q.vpid) || !isInt(q.pid) || typeof q.image !== 'string' || !/^p[0-9]+\.img$/.test(q.image)) {
      return 'bad process entry';
    }
  }
  return undefined;
}

/** Reads and validates a manifest; undefined when missing or invalid. */
export function readManifest(file: string, id: string): Manifest | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return manifestProblem(parsed, id) === undefined ? (parsed as Manifest) : undefined;
}

export function snapshotInfo(m: Manifest): SnapshotInfo {
  const info: SnapshotInfo = { id: m.id, time: m.time, size: m.size, processes: m.processes.length };
  if (m.hosts && m.hosts.length > 0) info.hosts = m.hosts.map((h) => ({ name: h.name, processes: h.processes.length }));
  if (m.label !== undefined) info.label = m.label;
  if (m.stdinNotSaved) info.stdinNotSaved = m.stdinNotSaved;
  const files = m.processes.map((p) => p.files).filter((f): f is SavedFilesSummary => f !== undefined);
  if (files.length > 0) {
    const sum = (k: keyof SavedFilesSummary) => files.reduce((n, f) => n + (f[k] ?? 0), 0);
    info.files = {
      saved: sum('saved'), checked: sum('checked'), notSaved: sum('notSaved'), bytes: sum('bytes'), addedBytes: sum('addedBytes'), tracked: sum('tracked'),
    };
    const pauses = m.processes.map((p) => p.pauseUs).filter((v): v is number => typeof v === 'number');
    if (pauses.length > 0) info.files.pauseMs = Math.max(...pauses) / 1000;
  }
  return info;
}

/** A snapshot in `ckpt list --json`: what each one cost. */
export interface SnapshotCosts extends SnapshotInfo {
  /** How long the program stood still: the longest pause of its processes (ms), null if not recorded. */
  pauseMs: number | null;
  /** Bytes this snapshot added to the directory: its images' sizes (an increment holds only the pages it does not inherit). */
  addedBytes: number;
}

export function snapshotCosts(m: Manifest): SnapshotCosts {
  const pauses = m.processes.map((p) => p.pauseUs).filter((v): v is number => typeof v === 'number');
  return {
    ...snapshotInfo(m),
    pauseMs: pauses.length > 0 ? Math.max(...pauses) / 1000 : null,
    addedBytes: m.size,
  };
}

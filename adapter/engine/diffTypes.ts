/** What `ckpt diff` and `ckpt/diffSnapshots` answer: types only, free of Node (the extension and webviews import them). */
import type { FdRow } from './tables';

/** A memory region as `ckpt-inspect --diff` prints it (PROTOCOL.md). */
export interface RegionDiff {
  start: string;
  end: string;
  kind: string;
  path: string;
  pages: number;
  /** Changed pages as [first page index in the region, count] runs (regions in both images). */
  changed?: [number, number][];
  changedPages?: number;
}

export interface ThreadName {
  vtid: number;
  name: string;
}

/** What changed in one process from the first snapshot to the second. */
export interface ProcessDiff {
  vpid: number;
  pageSize: number;
  /** The regions with the same address range in both, in the second's order. */
  regions: RegionDiff[];
  added: RegionDiff[];
  removed: RegionDiff[];
  threads: { added: ThreadName[]; removed: ThreadName[]; same: ThreadName[] };
  changedPages: number;
  fds: { added: FdRow[]; removed: FdRow[]; changed: { before: FdRow; after: FdRow }[] };
}

export interface SnapshotDiff {
  from: string;
  to: string;
  /** Pages changed in all the processes saved in both. */
  changedPages: number;
  processes: ProcessDiff[];
  processesAdded: number[];
  processesRemoved: number[];
}

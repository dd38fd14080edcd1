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

/** A file in both snapshots whose contents (or, for a checked file, size, time or identity) differ. */
export interface FileChange {
  path: string;
  sizeBefore: number;
  sizeAfter: number;
}

/** Files by path, as `ckpt-inspect --diff` compares the images' file records (PROTOCOL.md). */
export interface FileListDiff {
  added: string[];
  removed: string[];
  changed: FileChange[];
}

/** The files whose contents the snapshots hold, and (`checked`) those only recorded. */
export interface FilesDiff extends FileListDiff {
  checked: FileListDiff;
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
  files: FilesDiff;
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

import { execFile } from 'node:child_process';
import { CkptError } from './ckptError';
import { nativePathsUnchecked, requireNativeFile } from './nativePaths';
import type { SnapshotStore } from './snapshotStore';
import type { ProcessDiff, SnapshotDiff } from './diffTypes';
import type { FdRow, ProcessRow } from './tables';
export type { FileChange, FileListDiff, FilesDiff, ProcessDiff, RegionDiff, SnapshotDiff, ThreadName } from './diffTypes';

/**
 * Compares two snapshots: memory page by page, threads and the program's files by the inspector
 * (TypeScript never parses an image), processes and file descriptors here
 * from each snapshot's tables.
 */
export async function diffSnapshots(store: SnapshotStore, from: string, to: string): Promise<SnapshotDiff> {
  const [a, b] = [await store.inspect(from), await store.inspect(to)];
  const inspect = requireNativeFile(nativePathsUnchecked().inspect);
  const processes: ProcessDiff[] = [];
  for (const pb of b.tables.processes) {
    const pa = a.tables.processes.find((p) => p.vpid === pb.vpid);
    if (!pa) continue;
    const memory = await runDiff(inspect, store.imagePath(from, pa.vpid), store.imagePath(to, pb.vpid), `snapshots ${from} and ${to}`);
    processes.push({ ...memory, fds: fdDiff(pa, pb) });
  }
  const vpids = (rows: ProcessRow[]): number[] => rows.map((p) => p.vpid);
  return {
    from,
    to,
    changedPages: processes.reduce((n, p) => n + p.changedPages, 0),
    processes,
    processesAdded: vpids(b.tables.processes).filter((v) => !vpids(a.tables.processes).includes(v)),
    processesRemoved: vpids(a.tables.processes).filter((v) => !vpids(b.tables.processes).includes(v)),
  };
}

function fdDiff(a: ProcessRow, b: ProcessRow): ProcessDiff['fds'] {
  const same = (x: FdRow, y: FdRow): boolean => x.kind === y.kind && x.path === y.path && x.offset === y.offset && x.flags === y.flags;
  return {
    added: b.fds.filter((f) => !a.fds.some((g) => g.fd === f.fd)),
    removed: a.fds.filter((f) => !b.fds.some((g) => g.fd === f.fd)),
    changed: b.fds.flatMap((after) => {
      const before = a.fds.find((g) => g.fd === after.fd);
      return before && !same(before, after) ? [{ before, after }] : [];
    }),
  };
}

function runDiff(inspect: string, imageA: string, imageB: string, what: string): Promise<Omit<ProcessDiff, 'fds'>> {
  return new Promise((resolve, reject) => {
    execFile(inspect, ['--diff', imageA, imageB], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const line = String(stderr).trim().split('\n').filter(Boolean).pop();
        reject(new CkptError(`cannot compare ${what}: ${line ?? err.message}`));
        return;
      }
      try {
        const parsed = JSON.parse(String(stdout)) as Omit<ProcessDiff, 'fds'>;
        if (!Array.isArray(parsed.regions) || typeof parsed.changedPages !== 'number' || !Array.isArray(parsed.files?.changed)) {
          throw new Error('bad shape');
        }
        resolve(parsed);
      } catch {
        reject(new CkptError(`${what}: ckpt-inspect --diff printed something unexpected`));
      }
    });
  });
}

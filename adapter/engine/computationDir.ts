import * as path from 'node:path';

/** Where everything of one computation lives inside its directory D. */
export class ComputationDir {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }
  get engineSocket(): string { return path.join(this.dir, 'engine.sock'); }
  get ctlSocket(): string { return path.join(this.dir, 'ctl.sock'); }
  get snapshots(): string { return path.join(this.dir, 'snapshots'); }
  /** The store of memory blocks the snapshots share (blockStore.ts). */
  get blocks(): string { return path.join(this.dir, 'blocks'); }
  /** The next snapshot id to try; ids are never reused, even after a delete. */
  get idCounter(): string { return path.join(this.dir, 'next-snapshot-id'); }
  snapshot(id: string): string { return path.join(this.snapshots, id); }
  partial(id: string): string { return path.join(this.snapshots, `.partial-${id}`); }
  manifest(id: string): string { return path.join(this.snapshot(id), 'manifest.json'); }
}

/** Snapshot ids are decimal counters; anything else is refused before it reaches a path. */
export function isSnapshotId(id: string): boolean {
  return /^[1-9][0-9]{0,15}$/.test(id);
}

export function imageFileName(vpid: number): string {
  return `p${vpid}.img`;
}

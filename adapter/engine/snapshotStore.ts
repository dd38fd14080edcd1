import * as fs from 'node:fs';
import * as path from 'node:path';
import { CkptError, errnoCode } from './ckptError';
import { ComputationDir, isSnapshotId } from './computationDir';
import { hideEngineFd } from './engineFds';
import { ancestorImages } from './imageChain';
import { dropUnsharedBlocks } from './blockStore';
import { imageToProcessRow, InspectedImage, runInspector } from './imageInspector';
import { Manifest, readManifest, snapshotInfo } from './manifest';
import { nativePathsUnchecked, requireNativeFile } from './nativePaths';
import { writeFilePrivate } from './privateFs';
import { applySocketEndpoints, linkPeers } from './procTables';
import { ResourceTables, SnapshotInfo, TABLES_VERSION } from './tables';

/** In the directory of a deleted snapshot whose images others still inherit from. */
const KEPT_MARK = 'deleted';
/** A snapshot's own links to the blocks of its images' pages (native/README.md). */
const BLOCKS_DIR = 'blocks';

export interface SnapshotStoreOptions {
  /** argv prefix of the image inspector (default: the built `ckpt-inspect`). */
  inspectCommand?: string[];
}

/** What `inspect` returns: the shared tables plus each image's full JSON (memory regions, sections). */
export interface SnapshotInspection {
  info: SnapshotInfo;
  tables: ResourceTables;
  images: InspectedImage[];
}

/**
 * The snapshots of one computation directory. Only complete snapshots exist
 * for it: a directory named by an id that holds a valid manifest. Partial
 * directories of checkpoints in progress (or that failed) are never listed.
 */
export class SnapshotStore {
  readonly cdir: ComputationDir;
  private readonly inspectCommand?: string[];

  constructor(dir: string, options: SnapshotStoreOptions = {}) {
    this.cdir = new ComputationDir(dir);
    this.inspectCommand = options.inspectCommand;
  }

  get dir(): string {
    return this.cdir.dir;
  }

  /** Every complete snapshot, oldest (lowest id) first. */
  list(): SnapshotInfo[] {
    return this.manifests().map(snapshotInfo);
  }

  manifests(): Manifest[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.cdir.snapshots);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw new CkptError(`cannot read ${this.cdir.snapshots}: ${(err as Error).message}`);
    }
    const out: Manifest[] = [];
    for (const name of names) {
      if (!isSnapshotId(name)) continue;
      const m = readManifest(this.cdir.manifest(name), name);
      if (m) out.push(m);
    }
    return out.sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** The manifest of one snapshot; a clear error for ids that do not name one. */
  manifest(id: string): Manifest {
    if (!isSnapshotId(id)) {
      throw new CkptError(`'${id}' is not a snapshot id (ids are numbers; \`ckpt list --dir ${this.dir}\` shows them)`);
    }
    const m = readManifest(this.cdir.manifest(id), id);
    if (!m) {
      if (fs.existsSync(path.join(this.cdir.snapshot(id), KEPT_MARK))) {
        throw new CkptError(`there is no snapshot ${id} in ${this.dir} (it was deleted; later snapshots still use some of its pages)`);
      }
      if (fs.existsSync(this.cdir.snapshot(id))) {
        throw new CkptError(`snapshot ${id} in ${this.dir} is incomplete or damaged (its manifest.json is missing or invalid)`);
      }
      throw new CkptError(`there is no snapshot ${id} in ${this.dir}`);
    }
    return m;
  }

  get(id: string): SnapshotInfo {
    return snapshotInfo(this.manifest(id));
  }

  has(id: string): boolean {
    return isSnapshotId(id) && readManifest(this.cdir.manifest(id), id) !== undefined;
  }

  /** Absolute path of the image of process `vpid` in snapshot `id`. */
  imagePath(id: string, vpid: number): string {
    const m = this.manifest(id);
    const p = m.processes.find((q) => q.vpid === vpid);
    if (!p) throw new CkptError(`snapshot ${id} has no process ${vpid}`);
    return path.join(this.cdir.snapshot(id), p.image);
  }

  /**
   * Deletes a snapshot. The directory is first renamed to a partial name, so
   * that it stops being listed at once even if removing the files is slow or
   * fails half-way. Images that a remaining snapshot inherits pages from
   * (increments, imageChain.ts) stay where they are, in the directory without
   * its manifest, until no snapshot needs them; then they go too.
   */
  delete(id: string): void {
    const parts = this.manifest(id).hosts ?? [];
    const needed = ancestorImages(
      this.manifests()
        .filter((m) => m.id !== id)
        .flatMap((m) => m.processes.map((p) => path.resolve(this.cdir.snapshot(m.id), p.image))),
    );
    const dir = path.resolve(this.cdir.snapshot(id));
    if ([...needed].some((f) => path.dirname(f) === dir)) {
      writeFilePrivate(path.join(dir, KEPT_MARK), '');
      fs.rmSync(this.cdir.manifest(id)); // no longer listed: the one step that deletes it
    } else {
      const doomed = path.join(this.cdir.snapshots, `.partial-deleted-${id}-${process.pid}`);
      fs.renameSync(this.cdir.snapshot(id), doomed);
      fs.rmSync(doomed, { recursive: true, force: true });
    }
    this.sweepKept(needed);
    dropUnsharedBlocks(this.cdir);
    // Other hosts' parts go too, where their directories are seen from here.
    for (const part of parts) {
      const store = new SnapshotStore(part.dir);
      if (fs.existsSync(store.cdir.manifest(id))) store.delete(id);
    }
  }

  /** Removes what deleted snapshots kept for others and nothing needs any more. */
  private sweepKept(needed: Set<string>): void {
    for (const name of fs.readdirSync(this.cdir.snapshots)) {
      const dir = path.resolve(this.cdir.snapshot(name));
      if (!isSnapshotId(name) || !fs.existsSync(path.join(dir, KEPT_MARK)) || this.has(name)) continue;
      const names = fs.readdirSync(dir);
      // blocks/ holds the pages of the images kept here
      const keepsImages = names.some((f) => needed.has(path.join(dir, f)));
      for (const f of names) {
        // files/ and replaced/ (the program's files) are folders: every snapshot holds its own links
        if (f === KEPT_MARK || needed.has(path.join(dir, f)) || (f === BLOCKS_DIR && keepsImages)) continue;
        fs.rmSync(path.join(dir, f), { force: true, recursive: true });
      }
      if (fs.readdirSync(dir).every((f) => f === KEPT_MARK)) fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Sets (or, with an empty string, clears) the label of a snapshot. */
  rename(id: string, label: string): SnapshotInfo {
    const m = this.manifest(id);
    if (label === '') delete m.label;
    else m.label = label;
    writeFilePrivate(this.cdir.manifest(id), JSON.stringify(m, null, 2) + '\n');
    return snapshotInfo(m);
  }

  totalSize(): number {
    return this.manifests().reduce((sum, m) => sum + m.size, 0);
  }

  /** Reads every image of a snapshot through `ckpt-inspect`. */
  async inspect(id: string): Promise<SnapshotInspection> {
    const m = this.manifest(id);
    const command = this.inspectCommand ?? [requireNativeFile(nativePathsUnchecked().inspect)];
    const images: InspectedImage[] = [];
    for (const p of m.processes) {
      const file = path.join(this.cdir.snapshot(id), p.image);
      if (!fs.existsSync(file)) throw new CkptError(`snapshot ${id} is damaged: its image ${p.image} is missing`);
      images.push(await runInspector(command, file, `snapshot ${id} (image ${p.image})`));
    }
    const rankOf = (vpid: number) => m.processes.find((q) => q.vpid === vpid)?.mpiRank;
    const processes = images.map(imageToProcessRow).map((p) => {
      const rank = rankOf(p.vpid);
      return { ...p, fds: hideEngineFd(p.fds), ...(rank !== undefined ? { mpiRank: rank } : {}) };
    });
    const unixPeers = new Map<number, number>();
    for (const p of processes) applySocketEndpoints(p.fds, m.processes.find((q) => q.vpid === p.vpid)?.sockets, unixPeers);
    linkPeers(processes, unixPeers);
    // Other hosts' parts, where their directories are seen from here (their PIDs are their own).
    for (const part of m.hosts ?? []) {
      const dir = new SnapshotStore(part.dir).cdir.snapshot(id);
      for (const p of part.processes) {
        const file = path.join(dir, p.image);
        if (!fs.existsSync(file)) continue;
        const row = imageToProcessRow(await runInspector(command, file, `snapshot ${id} (image ${p.image} of host ${part.name})`));
        processes.push({ ...row, fds: hideEngineFd(row.fds), host: part.name, ...(p.mpiRank !== undefined ? { mpiRank: p.mpiRank } : {}) });
      }
    }
    return { info: snapshotInfo(m), tables: { version: TABLES_VERSION, source: id, processes }, images };
  }
}

import * as fs from 'node:fs';
import type { EngineConnection } from './engineConnection';

/** What a checkpoint order says of a process's image beyond where to write it. */
export interface ImageOrderFields {
  /** Where the image will be once the snapshot is complete (the partial directory is renamed). */
  as?: string;
  /** The process's image in its previous complete snapshot, if it still exists: the base it may write an increment against. */
  parent?: string;
  /** The computation's store of memory blocks (blockStore.ts). */
  blocks?: string;
}

/**
 * The images each process may write its next one against. Only a snapshot
 * that completed (its directory renamed into place) gives parents: the engine
 * remembers the `as` of the last image it wrote and writes an increment only
 * when the order's `parent` is that path, so a snapshot that failed after a
 * process had written its image makes the next one whole.
 */
/**
 * The engine reads an order of at most 8 KiB (native/lib/core.c) with the image
 * path in it: longer paths are not offered, and the image is then written whole.
 */
export const ORDER_PATH_MAX = 2000;

export class ParentImages {
  private readonly last = new WeakMap<EngineConnection, string>();

  /** The fields of `c`'s order; `as` is the image's final path. */
  fields(c: EngineConnection, as: string): ImageOrderFields {
    if (Buffer.byteLength(as) > ORDER_PATH_MAX) return {};
    const parent = this.last.get(c);
    return parent !== undefined && isPlainFile(parent) ? { as, parent } : { as };
  }

  /** The snapshot that held these images (connection → final path) is complete. */
  completed(images: Map<EngineConnection, string>): void {
    for (const [c, image] of images) this.last.set(c, image);
  }
}

/** A regular file, not a symlink planted in its place. */
function isPlainFile(p: string): boolean {
  try {
    return fs.lstatSync(p).isFile();
  } catch {
    return false;
  }
}

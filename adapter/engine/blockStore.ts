/**
 * The computation's store of memory blocks (native/README.md, "Blocks"): a
 * folder beside the snapshots with one link to every block of saved pages the
 * engine has written. The engine links a block already stored into a new
 * snapshot's own `blocks/` folder instead of writing it again, so each
 * snapshot folder holds every block its images use and a block's disk space
 * is freed when the last snapshot folder and the store let go of it. The
 * store's own link is dropped once no snapshot shares the block (its link
 * count is 1): after a delete, and after a checkpoint that failed.
 *
 * A writer may link a block out of the store while this runs: if it linked
 * first, the block lives on in its snapshot; if the store's link went first,
 * the writer writes the block anew. Neither loses data.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ComputationDir } from './computationDir';
import { mkdirPrivate } from './privateFs';
import { ORDER_PATH_MAX } from './parentImages';


/** The order's field naming the store, the folder made (private) if it is not there. */
export function blockStoreField(cdir: ComputationDir): { blocks?: string } {
  if (Buffer.byteLength(cdir.blocks) > ORDER_PATH_MAX) return {};
  mkdirPrivate(cdir.blocks);
  return { blocks: cdir.blocks };
}

/** Drops the store's links to blocks no snapshot holds; returns the bytes freed. */
export function dropUnsharedBlocks(cdir: ComputationDir): number {
  let names: string[];
  try {
    names = fs.readdirSync(cdir.blocks);
  } catch {
    return 0; // no store yet
  }
  let freed = 0;
  for (const name of names) {
    const file = path.join(cdir.blocks, name);
    try {
      const st = fs.lstatSync(file);
      if (!st.isFile() || st.nlink !== 1) continue;
      fs.unlinkSync(file);
      freed += st.size;
    } catch {
      // gone meanwhile
    }
  }
  return freed;
}

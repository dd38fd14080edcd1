import * as fs from 'node:fs';
import * as path from 'node:path';
import { CkptError, errorMessage } from './ckptError';

/**
 * The engine reads its order (with the tracked folders in it) in 8 KiB
 * (native/lib/core.c), beside the image paths: their names together are bounded.
 */
const TRACK_JSON_MAX = 3000;

/**
 * Folders whose whole contents travel with the snapshots (`ckpt launch --track`,
 * `"trackFolders"` in launch.json): each must be an existing folder; returned
 * as real absolute paths (the engine compares them with the paths it reads from
 * the kernel), without repeats.
 */
export function checkTrackFolders(folders: string[], cwd = process.cwd()): string[] {
  const out: string[] = [];
  for (const f of folders) {
    if (f === '') throw new CkptError('a tracked folder needs a name (--track DIR)');
    let real: string;
    try {
      real = fs.realpathSync(path.resolve(cwd, f));
    } catch (err) {
      throw new CkptError(`cannot track ${f}: ${errorMessage(err)}`);
    }
    if (!fs.statSync(real).isDirectory()) throw new CkptError(`cannot track ${f}: it is not a folder`);
    if (real === '/') throw new CkptError('cannot track / (the whole file system): name the folder the program writes in');
    if (!out.includes(real)) out.push(real);
  }
  if (JSON.stringify(out).length > TRACK_JSON_MAX) {
    throw new CkptError(`the tracked folders' names are too long together (over ${TRACK_JSON_MAX} bytes): track fewer, or their common folder`);
  }
  return out;
}

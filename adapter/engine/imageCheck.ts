import { execFile } from 'node:child_process';
import { CkptError } from './ckptError';

/**
 * Has the restorer validate the images of snapshot `id` before anything of
 * the program runs; rejects with the restorer's own last words.
 */
export function checkImage(restorer: string, images: string[], id: string, world: string[]): Promise<void> {
  // Several processes: every page is checked before any process is restored, so
  // that a damaged image cannot leave half a tree running. One process checks its
  // pages while it loads them and never runs if they are damaged.
  const check = images.length > 1 ? '--check-data' : '--check';
  return new Promise((resolve, reject) => {
    execFile(restorer, [check, ...world, ...images], (err, _stdout, stderr) => {
      if (!err) return resolve();
      const msg = String(stderr).trim().split('\n').filter(Boolean).pop() ?? err.message;
      reject(new CkptError(`cannot restart snapshot ${id}: ${msg}`));
    });
  });
}

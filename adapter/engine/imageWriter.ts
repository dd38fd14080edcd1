import * as fs from 'node:fs';

/**
 * The engine's forked image writer (PROTOCOL.md, "writing"): a copy of a
 * program process that writes its image while the program runs on. It shares
 * the process's environment but is no part of the program.
 */
export function isImageWriter(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8') === 'ckpt-writer\n';
  } catch {
    return false;
  }
}

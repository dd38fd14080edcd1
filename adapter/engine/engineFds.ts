import type { FdRow } from './tables';

/**
 * The engine keeps its connection to the coordinator at the first free fd
 * from 1000 up (so the program's own fd numbers are as without it); a forked
 * child may also hold its parent's at the fd before its own; and its
 * dirty-page tracking keeps a userfaultfd at the next free one. The program
 * never opened these: leave them out of the program's table.
 */
export const ENGINE_FD_MIN = 1000;

const isEngineFd = (row: FdRow): boolean => row.kind === 'socket' || row.path === 'anon_inode:[userfaultfd]';

export function hideEngineFd(fds: FdRow[]): FdRow[] {
  const hidden = new Set<FdRow>();
  for (let fd = ENGINE_FD_MIN; ; fd++) {
    const row = fds.find((f) => f.fd === fd);
    if (!row || !isEngineFd(row)) break;
    hidden.add(row);
  }
  return fds.filter((f) => !hidden.has(f));
}

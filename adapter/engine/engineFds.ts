import type { FdRow } from './tables';

/**
 * The engine keeps its connection to the coordinator at the first free fd
 * from 1000 up (so the program's own fd numbers are as without it); a forked
 * child may also hold its parent's at the fd before its own. The program never
 * opened these sockets: leave them out of the program's table.
 */
export const ENGINE_FD_MIN = 1000;

export function hideEngineFd(fds: FdRow[]): FdRow[] {
  const hidden = new Set<FdRow>();
  for (let fd = ENGINE_FD_MIN; ; fd++) {
    const row = fds.find((f) => f.fd === fd);
    if (!row || row.kind !== 'socket') break;
    hidden.add(row);
  }
  return fds.filter((f) => !hidden.has(f));
}

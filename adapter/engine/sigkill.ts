/** SIGKILLs each of `pids` that is still there; returns how many were signalled. */
export function sigkillAll(pids: Iterable<number>): number {
  let n = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
      n++;
    } catch {
      // already gone
    }
  }
  return n;
}

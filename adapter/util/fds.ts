/**
 * This process's own fds as a child would see them. Shared by the engine
 * driver and the gdb layer, which both start programs that must not inherit
 * stray fds.
 */
import * as fs from 'node:fs';

const O_CLOEXEC = 0o2000000;

/**
 * Our own fds from `keepBelow` up that a child would inherit without being
 * given them: those without close-on-exec. Node marks all of its own fds
 * close-on-exec, so these come from whoever started us (an editor, a test
 * runner, a shell's helper pipes) and mean nothing to the program.
 */
export function leakedFds(keepBelow: number): number[] {
  let names: string[];
  try {
    names = fs.readdirSync('/proc/self/fdinfo');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd < keepBelow) continue;
    try {
      const m = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      if (m && (Number.parseInt(m[1], 8) & O_CLOEXEC) === 0) out.push(fd);
    } catch {
      // closed meanwhile (readdir's own fd, for one)
    }
  }
  return out;
}

import * as fs from 'node:fs';
import { parseFdinfo } from './procTables';

/**
 * For a synchronized checkpoint of several processes: the bytes waiting in a
 * pipe must be saved once, by one reader, or they would come back twice.
 * Returns, per vpid, the inodes of the pipes whose bytes another process
 * saves (the `skipPipes` of its write order). The reader with the lowest vpid
 * is the one that saves.
 */
export function pipeSkipLists(procs: { vpid: number; pid: number }[]): Map<number, number[]> {
  const readers = new Map<number, Set<number>>(); // inode -> vpids holding a read end
  for (const p of procs) {
    for (const ino of readEnds(p.pid)) {
      const set = readers.get(ino) ?? new Set<number>();
      set.add(p.vpid);
      readers.set(ino, set);
    }
  }
  const skip = new Map<number, number[]>(procs.map((p) => [p.vpid, []]));
  for (const [ino, vpids] of readers) {
    const saver = Math.min(...vpids);
    for (const vpid of vpids) if (vpid !== saver) skip.get(vpid)!.push(ino);
  }
  for (const list of skip.values()) list.sort((a, b) => a - b);
  return skip;
}

/** Inodes of the pipes a process can read from (O_RDONLY or O_RDWR ends). */
export function readEnds(pid: number): Set<number> {
  const out = new Set<number>();
  let names: string[];
  try {
    names = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out; // gone: its own answer will say so
  }
  for (const name of names) {
    try {
      const m = /^pipe:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${name}`));
      if (!m) continue;
      const { flags } = parseFdinfo(fs.readFileSync(`/proc/${pid}/fdinfo/${name}`, 'utf8'));
      if (flags !== undefined && (flags & 3) !== 1) out.add(Number(m[1]));
    } catch {
      // closed while we looked
    }
  }
  return out;
}

import * as fs from 'node:fs';
import { parseFdinfo } from './procTables';

/** Per vpid, what another process saves: pipes and FIFOs by inode (the `skipPipes` and `skipFifos` of its write order). */
export interface SkipLists {
  pipes: number[];
  fifos: number[];
}

/**
 * For a synchronized checkpoint of several processes: the bytes waiting in a
 * pipe or a FIFO must be saved once, by one reader, or they would come back
 * twice. Returns, per vpid, the pipes and FIFOs whose bytes another process
 * saves. The reader with the lowest vpid is the one that saves. The engine
 * saves them in native/lib/plugins/files/pipes.c and puts them back in
 * native/restore/pipes.c.
 */
export function pipeSkipLists(procs: { vpid: number; pid: number }[]): Map<number, SkipLists> {
  const pipes = saverSkips(procs, (pid) => readEnds(pid).pipes);
  const fifos = saverSkips(procs, (pid) => readEnds(pid).fifos);
  return new Map(procs.map((p) => [p.vpid, { pipes: pipes.get(p.vpid)!, fifos: fifos.get(p.vpid)! }]));
}

function saverSkips(procs: { vpid: number; pid: number }[], ends: (pid: number) => Set<number>): Map<number, number[]> {
  const readers = new Map<number, Set<number>>(); // inode -> vpids holding a read end
  for (const p of procs) {
    for (const ino of ends(p.pid)) {
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

/** Inodes of the pipes and FIFOs a process can read from (O_RDONLY or O_RDWR ends). */
export function readEnds(pid: number): { pipes: Set<number>; fifos: Set<number> } {
  const out = { pipes: new Set<number>(), fifos: new Set<number>() };
  let names: string[];
  try {
    names = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out; // gone: its own answer will say so
  }
  for (const name of names) {
    try {
      const link = fs.readlinkSync(`/proc/${pid}/fd/${name}`);
      const m = /^pipe:\[(\d+)\]$/.exec(link);
      // a FIFO is named by its path; its inode is the file's
      const fifo = !m && link.startsWith('/') ? fs.statSync(`/proc/${pid}/fd/${name}`) : undefined;
      if (!m && !fifo?.isFIFO()) continue;
      const { flags } = parseFdinfo(fs.readFileSync(`/proc/${pid}/fdinfo/${name}`, 'utf8'));
      if (flags === undefined || (flags & 3) === 1) continue;
      if (m) out.pipes.add(Number(m[1]));
      else out.fifos.add(fifo!.ino);
    } catch {
      // closed while we looked
    }
  }
  return out;
}

/**
 * The bytes waiting on the standard input of the processes saved, counting
 * only pipes that no process of the computation writes to (they come from
 * outside: a restart gives the program the restarting command's input).
 */
export function outsideStdinBytes(procs: { pid: number; stdin?: { ino: number; bytes: number } }[]): number {
  let total = 0;
  for (const p of procs) {
    if (!p.stdin) continue;
    const inside = procs.some((q) => writeEnds(q.pid).has(p.stdin!.ino));
    if (!inside) total += p.stdin.bytes;
  }
  return total;
}

/** Inodes of the pipes a process can write to. */
function writeEnds(pid: number): Set<number> {
  const out = new Set<number>();
  let names: string[];
  try {
    names = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const name of names) {
    try {
      const m = /^pipe:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${name}`));
      if (!m) continue;
      const { flags } = parseFdinfo(fs.readFileSync(`/proc/${pid}/fdinfo/${name}`, 'utf8'));
      if (flags !== undefined && (flags & 3) !== 0) out.add(Number(m[1]));
    } catch {
      // closed while we looked
    }
  }
  return out;
}

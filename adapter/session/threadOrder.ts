/**
 * Threads named by their place in a list that a restore keeps: the timeline
 * records a stop's thread as an ordinal, and a replay after a restore finds
 * that thread again by it. gdb numbers the threads of a restored process in
 * the order it finds them, which is the order the restorer made them in, not
 * the order the program did; the engine's virtual ids are kept instead. By
 * process (virtual pid), then by virtual tid: the order the program made its
 * threads in, before a restore and after it (a thread made after the
 * snapshot has its kernel tid as its id, later than every restored one).
 */
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { ThreadInfo } from '../gdb/gdbCommands';
import type { EngineHello } from '../engine';
import { readTids } from '../engine/procTables';

/** The engine's ids of the program's threads, by kernel tid. */
export type ThreadIds = () => Promise<Map<number, { vpid: number; vtid: number }>>;

/** The ids told by the engine's processes (a process never restored has the kernel's). */
export function engineThreadIds(processes: () => Promise<EngineHello[]>): ThreadIds {
  return async () => {
    const ids = new Map<number, { vpid: number; vtid: number }>();
    for (const h of await processes().catch(() => [])) {
      const virtualOf = new Map((h.threads ?? []).map((t) => [t.tid, t.vtid]));
      for (const tid of readTids(h.pid)) ids.set(tid, { vpid: h.vpid, vtid: virtualOf.get(tid) ?? tid });
    }
    return ids;
  };
}

/** gdb's threads by virtual pid and tid; those the engine does not know after them, in gdb's order. */
export async function orderedThreads(gdb: MiConnection, ids?: ThreadIds): Promise<ThreadInfo[]> {
  const { threads } = await mi.threadInfo(gdb);
  // one thread has one order: no need to ask the engine at every stop
  if (!ids || threads.length < 2) return threads;
  const known = await ids();
  const keyed = threads.map((t, i) => {
    const lwp = mi.lwpOf(t.targetId);
    return { t, i, id: lwp === undefined ? undefined : known.get(lwp) };
  });
  keyed.sort((a, b) => {
    if (!a.id || !b.id) return a.id ? -1 : b.id ? 1 : a.i - b.i;
    return a.id.vpid - b.id.vpid || a.id.vtid - b.id.vtid;
  });
  return keyed.map((k) => k.t);
}

/**
 * The live resource tables of a computation read from /proc, from the
 * outside: what the tables are while a debugger holds every thread, when the
 * engine's handler cannot run to answer a status order.
 */
import type { EngineHello } from './engineConnection';
import { hideEngineFd } from './engineFds';
import { linkPeers, readArgv, readFds, readMpiRank, readSession, readTids } from './procTables';
import { ProcessRow, ResourceTables, TABLES_VERSION } from './tables';

/**
 * A process that was never restored has virtual ids equal to the kernel's; a
 * restored one told its thread table in its hello.
 */
export function liveTablesFromProc(hellos: EngineHello[]): ResourceTables {
  const processes: ProcessRow[] = hellos.map((h) => {
    const virtualOf = new Map((h.threads ?? []).map((t) => [t.tid, t.vtid]));
    return {
      vpid: h.vpid,
      pid: h.pid,
      vppid: h.vppid,
      ...readSession(h.pid),
      argv: readArgv(h.pid),
      threads: readTids(h.pid).map((tid) => ({ vtid: virtualOf.get(tid) ?? tid, tid })),
      fds: hideEngineFd(readFds(h.pid)),
    };
  });
  processes.sort((x, y) => x.vpid - y.vpid);
  linkPeers(processes);
  return { version: TABLES_VERSION, source: 'live', processes };
}

/** Each rank of an Open MPI job in the live tables gets its number, read from its environment. */
export function withMpiRanks(tables: ResourceTables): ResourceTables {
  for (const p of tables.processes) {
    const rank = readMpiRank(p.pid);
    if (rank !== undefined) p.mpiRank = rank;
  }
  return tables;
}

/** The fields of the engine's own status answer; every other one is a plugin's. */
const STATUS_FIELDS = new Set(['type', 'ok', 'vpid', 'pid', 'vppid', 'ppid', 'threads']);

/** What the plugins added to a status answer, by field name; undefined when none did. */
export function pluginFields(reply: Record<string, unknown>): Record<string, unknown> | undefined {
  const entries = Object.entries(reply).filter(([k]) => !STATUS_FIELDS.has(k));
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/**
 * A snapshot of a program that gdb holds stopped (native/PROTOCOL.md,
 * "Snapshots under a debugger"): every thread takes the engine's signal before
 * running an instruction of its own (gdb queues it on one thread of each
 * process, whose engine signals the others while gdb still holds them), the
 * engine writes the image from the signal frames, and each thread comes back
 * through the engine's hold trap, where one `stepi` over rt_sigreturn puts it
 * back at its own instruction with its registers as they were.
 *
 * No int3 byte of gdb's may be in the program's code while the engine saves
 * it: user breakpoints are disabled meanwhile, and gdb's own (the shared
 * library event breakpoint in ld.so, always inserted while the program runs)
 * become hardware breakpoints, because the code is declared read-only memory
 * for the time (`mem ... ro`; gdb's `breakpoint auto-hw`).
 */
import * as fs from 'fs';
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { MiAsyncRecord } from '../gdb/miParser';
import { miNumber, miString, miTuples } from '../gdb/miParser';

export const HOLD_TRAP_SYMBOL = 'ckpt_hold_sigreturn';

export interface HeldSnapshotContext {
  gdb: MiConnection;
  /** The program's processes (their code is kept free of gdb's int3 bytes meanwhile). */
  pids: number[];
  /** The engine's signal number (62 unless CKPT_SIGNAL says otherwise). */
  signal: number;
  /** Every thread gdb holds, of every process of the program. */
  threads: number[];
  /** One thread of each multi-threaded process, to take the signal first unless gdb stands on another (see signalPlan). */
  leaders: number[];
  /** The next `*stopped` record (the debuggee routes them here while it is held). */
  nextStop(timeoutMs: number): Promise<MiAsyncRecord>;
}

/** How long a thread may take to reach the hold trap once the engine is done. */
const TRAP_TIMEOUT_MS = 60000;

export class HeldSnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeldSnapshotError';
  }
}

/**
 * Runs `checkpoint` (which sends the engine its orders without a signal, and
 * calls `ordersSent` once they are written) while the threads pass through the
 * engine. Resolves with what `checkpoint` resolves to, once every thread is
 * back where it was.
 */
export async function snapshotHeld<T>(ctx: HeldSnapshotContext, checkpoint: (ordersSent: () => void) => Promise<T>): Promise<T> {
  const { gdb, threads } = ctx;
  const trap = await holdTrapAddress(gdb);
  const lockingBefore = (await mi.gdbShow(gdb, 'scheduler-locking')) ?? 'replay';

  await gdb.send('-break-disable');
  const codeRegions = await protectCode(gdb, ctx.pids);
  type Outcome = { ok: true; value: T } | { ok: false; error: unknown };
  let result: Outcome | undefined;
  // Read through a function: TypeScript cannot see the callbacks that set it.
  const outcome = (): Outcome | undefined => result;
  try {
    let ordersSent!: () => void;
    const sent = new Promise<void>((resolve) => { ordersSent = resolve; });
    const done = checkpoint(() => ordersSent()).then(
      (value) => { result = { ok: true, value }; },
      (error: unknown) => { result = { ok: false, error }; },
    );
    // The engine reads its order as soon as a thread takes the signal: the
    // order must be there first. A checkpoint refused before that ends here.
    await Promise.race([sent, done]);
    const early = outcome();
    if (early && !early.ok) throw early.error;
    const { leaders, alone } = await signalPlan(ctx);
    const leadersReady = await startLeaders(ctx, leaders);
    if (!leadersReady) {
      // A leader came back through the trap without its followers: the engine
      // refused the checkpoint. Put it back; the others never moved.
      await mi.gdbSet(gdb, 'scheduler-locking on');
      for (const t of leaders) await returnThread(ctx, t, trap);
      await done;
      throw new HeldSnapshotError('the engine did not start the snapshot');
    }
    // The other threads of a leader's process have the signal from its engine.
    for (const t of alone) {
      await mi.threadSelect(gdb, t);
      await mi.consoleCommand(gdb, `queue-signal SIG${ctx.signal}`);
    }
    await mi.gdbSet(gdb, 'scheduler-locking off');
    // The engine may take long to write a big image; once it is done, the trap is near.
    const firstStop = ctx.nextStop(24 * 60 * 60 * 1000);
    firstStop.catch(() => undefined);
    await mi.execContinue(gdb);
    const trapDeadline = done.then(() => new Promise<'late'>((r) => setTimeout(() => r('late'), TRAP_TIMEOUT_MS)));
    const first = await Promise.race([firstStop.then(() => 'trapped' as const), trapDeadline]);
    if (first === 'late') {
      const stopped = ctx.nextStop(TRAP_TIMEOUT_MS);
      await mi.execInterrupt(gdb).catch(() => undefined);
      await stopped.catch(() => undefined);
      throw new HeldSnapshotError(`the program did not come back through the engine's hold trap and ran on; it is paused now${failureOf(outcome())}`);
    }

    // One thread reached the trap and gdb stopped them all; bring each back alone.
    await mi.gdbSet(gdb, 'scheduler-locking on');
    try {
      for (const t of threads) await returnThread(ctx, t, trap);
    } catch (err) {
      // A thread that stays away is most often the effect of a checkpoint that failed: say why it did.
      if (!(err instanceof HeldSnapshotError)) throw err;
      throw new HeldSnapshotError(`${err.message}${failureOf(outcome())}`);
    }
    await done;
  } finally {
    await mi.gdbSet(gdb, `scheduler-locking ${lockingBefore}`).catch(() => undefined);
    await codeRegions.release().catch(() => undefined);
    await gdb.send('-break-enable').catch(() => undefined);
  }
  const final = outcome();
  if (!final) throw new HeldSnapshotError('the checkpoint did not finish');
  if (!final.ok) throw final.error;
  return final.value;
}

/** `: why`, when the checkpoint failed already; nothing otherwise. */
function failureOf(outcome: { ok: boolean; error?: unknown } | undefined): string {
  if (!outcome || outcome.ok) return '';
  return `: ${(outcome.error as Error)?.message ?? String(outcome.error)}`;
}

/**
 * Which thread of each process gdb gives the engine's signal: one leader per
 * process of several threads (see startLeaders), and the thread of a process
 * alone. A leader is, where it can be, the thread gdb stands on: gdb reported
 * its event, so it keeps no other event of it. A signal queued on a thread
 * of which gdb keeps an event (a breakpoint that it hit at the same instant as
 * the one reported) is lost when gdb lets it go, and the thread runs on.
 */
async function signalPlan(ctx: HeldSnapshotContext): Promise<{ leaders: number[]; alone: number[] }> {
  const { gdb, threads } = ctx;
  const groups = miTuples((await gdb.send('-list-thread-groups --recurse 1')).record.results.groups);
  const current = miNumber((await gdb.send('-thread-list-ids')).record.results['current-thread-id']);
  const leaders: number[] = [];
  const alone: number[] = [];
  const grouped = new Set<number>();
  for (const g of groups) {
    const ids = miTuples(g.threads).map((t) => miNumber(t.id) ?? 0).filter((id) => threads.includes(id));
    ids.forEach((id) => grouped.add(id));
    if (ids.length === 1) alone.push(ids[0]);
    if (ids.length < 2) continue;
    const preferred = current !== undefined && ids.includes(current) ? current : ctx.leaders.find((t) => ids.includes(t));
    leaders.push(preferred ?? ids[0]);
  }
  alone.push(...threads.filter((t) => !grouped.has(t)));
  return { leaders, alone };
}

/**
 * One thread per process (its leader) takes the engine's signal first, alone,
 * and runs until the engine has started the snapshot and signalled the other
 * threads: then they may go. Threads that took the signal before the leader
 * started it would not be counted (the engine's rendezvous is generation-based),
 * and the leader would wait for them in vain. The engine's first file opened
 * after it started the snapshot and signalled the threads it knows (it reads
 * its own thread's state): a syscall catchpoint on open, which writes nothing
 * into the program, stops the leader there.
 * gdb 13 counts syscall catchpoints per inferior, and when a thread stops at a
 * system call it asks the inferior it happens to be polling (picked at random
 * among all) whether any is caught: with a catchpoint in one inferior only, a
 * forked child's inferior answers no about half the time, and gdb lets the
 * leader run on untraced, through the whole snapshot. So every inferior gets
 * its own catchpoint, set with that inferior selected.
 * Returns false when a leader came back through the trap instead.
 */
async function startLeaders(ctx: HeldSnapshotContext, leaders: number[]): Promise<boolean> {
  const { gdb } = ctx;
  if (leaders.length === 0) return true;
  const catchpoints: string[] = [];
  let ready = true;
  try {
    for (const group of await mi.listThreadGroups(gdb)) {
      if (group.pid === undefined) continue;
      await mi.consoleCommand(gdb, `inferior ${group.id.replace(/^i/, '')}`);
      const set = await mi.consoleCommand(gdb, 'catch syscall open');
      const catchpoint = /Catchpoint (\d+)/.exec(set)?.[1];
      if (!catchpoint) throw new HeldSnapshotError(`gdb did not set a syscall catchpoint: ${set.trim()}`);
      catchpoints.push(catchpoint);
    }
    await mi.gdbSet(gdb, 'scheduler-locking on');
    for (const leader of leaders) {
      await mi.threadSelect(gdb, leader);
      await mi.consoleCommand(gdb, `queue-signal SIG${ctx.signal}`);
      const stop = ctx.nextStop(TRAP_TIMEOUT_MS);
      await mi.execContinue(gdb, { thread: leader });
      const r = await stop;
      if (miString(r.results.reason) !== 'syscall-entry') ready = false;
    }
  } finally {
    if (catchpoints.length) await gdb.send(`-break-delete ${catchpoints.join(' ')}`).catch(() => undefined);
  }
  return ready;
}

/** The address of the engine's hold trap in the program (as gdb prints a long). */
export async function holdTrapAddress(gdb: MiConnection): Promise<string> {
  try {
    return await mi.dataEvaluateExpression(gdb, `(long)&${HOLD_TRAP_SYMBOL}`);
  } catch {
    throw new HeldSnapshotError(`the checkpoint engine is not loaded in the program (no ${HOLD_TRAP_SYMBOL})`);
  }
}

/**
 * A restored program held for the debugger (`ckpt-restore --hold`), freshly
 * attached: lets every thread run into the hold trap, then puts each back at
 * its own instruction.
 */
export async function releaseRestored(ctx: HeldSnapshotContext): Promise<void> {
  const { gdb, threads } = ctx;
  const trap = await holdTrapAddress(gdb);
  const lockingBefore = (await mi.gdbShow(gdb, 'scheduler-locking')) ?? 'replay';
  try {
    await mi.gdbSet(gdb, 'scheduler-locking off');
    const firstStop = ctx.nextStop(TRAP_TIMEOUT_MS);
    await mi.execContinue(gdb);
    await firstStop;
    await mi.gdbSet(gdb, 'scheduler-locking on');
    for (const t of threads) await returnThread(ctx, t, trap);
  } finally {
    await mi.gdbSet(gdb, `scheduler-locking ${lockingBefore}`).catch(() => undefined);
  }
}

/** How long one thread continued alone may take to reach the trap before it is looked at again. */
const THREAD_TIMEOUT_MS = 10000;

/** Runs one thread up to the hold trap, then over rt_sigreturn. */
async function returnThread(ctx: HeldSnapshotContext, thread: number, trap: string): Promise<void> {
  const { gdb } = ctx;
  // The trap's int3 is the instruction just before the trap address.
  const beforeTrap = (BigInt(trap) - 1n).toString();
  for (let attempt = 0; attempt < 10; attempt++) {
    const pc = await mi.dataEvaluateExpression(gdb, '(long)$pc', { thread, frame: 0 });
    if (pc === trap) {
      // rt_sigreturn: the thread is back at its own instruction, registers as saved.
      const stop = ctx.nextStop(TRAP_TIMEOUT_MS);
      await mi.execStepInstruction(gdb, thread);
      const r = await stop;
      if (miString(r.results.reason)?.startsWith('exited')) {
        throw new HeldSnapshotError('the program exited while coming back from the snapshot');
      }
      return;
    }
    if (pc === beforeTrap) {
      // At the int3: usually it has run it already, together with the thread
      // gdb reported, and gdb keeps that SIGTRAP pending, with the pc put back
      // as for a breakpoint of its own. The step reports the pending trap, at
      // the trap address (in all-stop mode: see target-non-stop in gdbSettings.ts).
      const stop = ctx.nextStop(TRAP_TIMEOUT_MS);
      await mi.execStepInstruction(gdb, thread);
      await stop;
      continue;
    }
    // Still inside the engine (parked until every process is saved): let it go on alone.
    const stop = ctx.nextStop(THREAD_TIMEOUT_MS);
    await mi.execContinue(gdb, { thread });
    try {
      await stop;
    } catch {
      // Not there yet (it may wait for an order of the coordinator): stop it and look again.
      const interrupted = ctx.nextStop(TRAP_TIMEOUT_MS);
      await mi.execInterrupt(gdb).catch(() => undefined); // it may have stopped meanwhile
      await interrupted;
    }
  }
  throw new HeldSnapshotError(`thread ${thread} did not come back through the engine's hold trap; it stands at ${await whereIs(gdb, thread)}`);
}

/** A thread's backtrace in one line (innermost first), for a message on a thread that is stuck. */
async function whereIs(gdb: MiConnection, thread: number): Promise<string> {
  try {
    const frames = await mi.stackListFrames(gdb, thread, 0, 7);
    return frames.map((f) => `${f.func ?? f.addr ?? '??'}${f.line !== undefined ? ` (${f.file}:${f.line})` : f.from ? ` (${f.from})` : ''}`).join(' < ');
  } catch (err) {
    return `an unknown place (gdb cannot list its frames: ${(err as Error)?.message ?? String(err)})`;
  }
}

/**
 * Declares every executable mapping of the program read-only to gdb, so that
 * it inserts breakpoints there as hardware breakpoints. Only when no memory
 * region of the user's exists (gdb's regions are one list; ours are removed
 * as a whole afterwards).
 */
async function protectCode(gdb: MiConnection, pids: number[]): Promise<{ release(): Promise<void> }> {
  const none = { release: async () => undefined };
  const existing = await mi.consoleCommand(gdb, 'info mem');
  if (!/no memory regions defined/i.test(existing)) return none;
  const ranges = new Set<string>();
  for (const pid of pids) {
    let maps: string;
    try {
      maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
    } catch {
      continue;
    }
    for (const line of maps.split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) r-xp/.exec(line);
      if (m) ranges.add(`0x${m[1]} 0x${m[2]}`);
    }
  }
  if (ranges.size === 0) return none;
  const before = await mi.consoleCommand(gdb, 'show mem inaccessible-by-default');
  await mi.consoleCommand(gdb, 'set mem inaccessible-by-default off');
  const release = async (): Promise<void> => {
    await mi.consoleCommand(gdb, 'delete mem');
    if (/treated as inaccessible/.test(before)) await mi.consoleCommand(gdb, 'set mem inaccessible-by-default on');
  };
  try {
    for (const range of ranges) await mi.consoleCommand(gdb, `mem ${range} ro`);
  } catch (err) {
    await release().catch(() => undefined);
    throw err;
  }
  return { release };
}

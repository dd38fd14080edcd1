/**
 * A snapshot of a program that gdb holds stopped (native/PROTOCOL.md,
 * "Snapshots under a debugger"): the engine's signal is queued on every thread,
 * every thread takes it before running an instruction of its own, the engine
 * writes the image from the signal frames, and each thread comes back through
 * the engine's hold trap, where one `stepi` over rt_sigreturn puts it back at
 * its own instruction with its registers as they were.
 *
 * User breakpoints are disabled meanwhile, so that no int3 of theirs is in the
 * program's text while the engine saves it.
 */
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { MiAsyncRecord } from '../gdb/miParser';
import { miString } from '../gdb/miParser';

export const HOLD_TRAP_SYMBOL = 'ckpt_hold_sigreturn';

export interface HeldSnapshotContext {
  gdb: MiConnection;
  /** The engine's signal number (62 unless CKPT_SIGNAL says otherwise). */
  signal: number;
  /** Every thread gdb holds, of every process of the program. */
  threads: number[];
  /** The next `*stopped` record (the session routes them here meanwhile). */
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
 * Runs `checkpoint` (which sends the engine its order without a signal) while
 * the threads pass through the engine. Resolves with what `checkpoint` resolves
 * to, once every thread is back where it was.
 */
export async function snapshotHeld<T>(ctx: HeldSnapshotContext, checkpoint: () => Promise<T>): Promise<T> {
  const { gdb, threads } = ctx;
  const trap = await holdTrapAddress(gdb);
  const lockingBefore = await showSetting(gdb, 'scheduler-locking');

  await gdb.send('-break-disable');
  let result: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  try {
    const done = checkpoint().then(
      (value) => { result = { ok: true, value }; },
      (error: unknown) => { result = { ok: false, error }; },
    );
    for (const t of threads) {
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
      const why = result && !result.ok ? `: ${(result.error as Error)?.message ?? String(result.error)}` : '';
      throw new HeldSnapshotError(`the program did not come back through the engine's hold trap and ran on; it is paused now${why}`);
    }

    // One thread reached the trap and gdb stopped them all; bring each back alone.
    await mi.gdbSet(gdb, 'scheduler-locking on');
    for (const t of threads) await returnThread(ctx, t, trap);
    await done;
  } finally {
    await mi.gdbSet(gdb, `scheduler-locking ${lockingBefore}`).catch(() => undefined);
    await gdb.send('-break-enable').catch(() => undefined);
  }
  if (!result) throw new HeldSnapshotError('the checkpoint did not finish');
  if (!result.ok) throw result.error;
  return result.value;
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
  const lockingBefore = await showSetting(gdb, 'scheduler-locking');
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

/** Runs one thread up to the hold trap, then over rt_sigreturn. */
async function returnThread(ctx: HeldSnapshotContext, thread: number, trap: string): Promise<void> {
  const { gdb } = ctx;
  for (let attempt = 0; attempt < 5; attempt++) {
    const pc = await mi.dataEvaluateExpression(gdb, '(long)$pc', { thread, frame: 0 });
    const stop = ctx.nextStop(TRAP_TIMEOUT_MS);
    if (pc === trap) {
      await mi.execStepInstruction(gdb, thread);
      const r = await stop;
      if (miString(r.results.reason) === 'exited' || miString(r.results.reason)?.startsWith('exited')) {
        throw new HeldSnapshotError('the program exited while coming back from the snapshot');
      }
      return;
    }
    // Still inside the engine (parked, or just before the trap): let it go on alone.
    await mi.execContinue(gdb, { thread });
    await stop;
  }
  throw new HeldSnapshotError(`thread ${thread} did not come back through the engine's hold trap`);
}

async function showSetting(gdb: MiConnection, name: string): Promise<string> {
  const r = await gdb.send(`-gdb-show ${name}`);
  return miString(r.record.results.value) ?? 'replay';
}

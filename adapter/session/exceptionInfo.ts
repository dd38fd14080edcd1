/**
 * What the editor's exception widget shows for a program stopped by a signal:
 * the signal's name, what it means, and for a fault the address the program
 * touched (gdb's `$_siginfo`, read while the thread is still stopped there).
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { MiConnection } from '../gdb/gdbProcess';
import type { MiTuple } from '../gdb/miParser';
import { miString } from '../gdb/miParser';
import * as mi from '../gdb/gdbCommands';

/** A stop by a signal, as gdb's `*stopped` record named it. */
export interface SignalStop {
  thread: number;
  signal: string;
  meaning: string;
}

/** Signals whose siginfo carries the faulting address (`si_addr`). */
const FAULTS = new Set(['SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGTRAP']);

/** Why a SIGSEGV happened, by `si_code` (Linux's asm-generic/siginfo.h). */
const SEGV_CODES: Record<number, string> = {
  1: 'address not mapped to object',
  2: 'invalid permissions for mapped object',
  3: 'failed address bound checks',
  4: 'failed protection key checks',
};

/** The signal of a `signal-received` stop record; undefined for any other stop. */
export function signalStopOf(results: MiTuple, thread: number): SignalStop | undefined {
  if (miString(results.reason) !== 'signal-received') return undefined;
  const signal = miString(results['signal-name']);
  if (!signal) return undefined;
  return { thread, signal, meaning: miString(results['signal-meaning']) ?? signal };
}

/** The faulting address and its cause, when gdb can read the thread's siginfo. */
async function faultOf(gdb: MiConnection, stop: SignalStop): Promise<{ address?: string; cause?: string }> {
  if (!FAULTS.has(stop.signal)) return {};
  const at = { thread: stop.thread, frame: 0 };
  // A program without siginfo support (a core, a remote stub) answers with an error: the fault stays unnamed.
  const address = /0x[0-9a-f]+/i.exec(await mi.dataEvaluateExpression(gdb, '$_siginfo._sifields._sigfault.si_addr', at).catch(() => ''))?.[0];
  let cause: string | undefined;
  if (stop.signal === 'SIGSEGV') {
    const code = Number(await mi.dataEvaluateExpression(gdb, '$_siginfo.si_code', at).catch(() => 'NaN'));
    cause = SEGV_CODES[code];
  }
  return { address, cause };
}

/** The body of the `exceptionInfo` response for a signal stop. */
export async function exceptionInfoOf(gdb: MiConnection, stop: SignalStop): Promise<DebugProtocol.ExceptionInfoResponse['body']> {
  const { address, cause } = await faultOf(gdb, stop);
  let description = stop.meaning;
  if (cause) description += `: ${cause}`;
  if (address) description += ` at address ${address}`;
  return {
    exceptionId: stop.signal,
    description,
    // A signal stops the program whether anything handles it or not (gdb's `handle SIG stop`).
    breakMode: 'always',
    details: {
      message: description,
      typeName: stop.signal,
      ...(address ? { evaluateName: '$_siginfo._sifields._sigfault.si_addr' } : {}),
    },
  };
}

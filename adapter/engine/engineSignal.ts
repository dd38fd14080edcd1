/**
 * The engine's signal: the one that tells the engine's handler in the program
 * that an order is waiting. It must reach the program without a debugger
 * stopping it. The program is told its number in `CKPT_SIGNAL`.
 */
import * as fs from 'node:fs';

export const DEFAULT_CKPT_SIGNAL = 62;

/** A signal number from an environment value, if it is one (1-64). */
export function parseEngineSignal(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n > 0 && n < 65 ? n : undefined;
}

/** The engine's signal as a running program was told it (CKPT_SIGNAL in its environment). */
export function engineSignalOf(pid: number): number | undefined {
  try {
    const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return parseEngineSignal(env.find((e) => e.startsWith('CKPT_SIGNAL='))?.slice('CKPT_SIGNAL='.length));
  } catch {
    return undefined;
  }
}

/** The engine's signal: CKPT_SIGNAL when it names one, else the default. */
export function signalFromEnv(): number {
  const n = Number(process.env.CKPT_SIGNAL);
  return Number.isInteger(n) && n > 0 && n < 65 ? n : DEFAULT_CKPT_SIGNAL;
}

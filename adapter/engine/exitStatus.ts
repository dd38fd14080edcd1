import * as os from 'node:os';

/** How a program of the computation ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Shell-style status: the exit code, or 128 + signal number; 0 for a hibernation. */
  status: number;
  /** True when the program ended because `checkpoint({kill: true})` saved it and stopped it. */
  hibernated: boolean;
}

export function exitStatus(code: number | null, signal: NodeJS.Signals | null, hibernated: boolean): ExitStatus {
  let status = code ?? 1;
  if (signal) status = 128 + (os.constants.signals[signal] ?? 0);
  if (hibernated) status = 0;
  return { code, signal, status, hibernated };
}

/**
 * Which of gdb's stops the client does not see: a logpoint's hit, or a hit
 * that its hit condition skips, lets the program go on (and a step that it
 * cut short goes on as the step); the end of such a step's way back goes on
 * with the step too.
 */
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { MiTuple } from '../gdb/miParser';
import { miString, miTuple } from '../gdb/miParser';
import type { BreakpointHits } from './breakpointHits';
import type { StepRecovery } from './stepRecovery';

export interface Stop {
  reason: string;
  results: MiTuple;
  thread: number;
  /** The client's breakpoint gdb names, if any. */
  breakpoint?: number;
}

/**
 * 'resumed': gdb runs the program again and the stop is not reported;
 * 'end of step': report it as a step's end (a skipped hit where the step
 * would have stopped anyway); 'report': report it as it is. `print` gets
 * logpoint messages.
 */
export async function passUnseen(
  gdb: MiConnection, hits: BreakpointHits, steps: StepRecovery, stop: Stop, print: (text: string) => void,
): Promise<'resumed' | 'end of step' | 'report'> {
  if (stop.breakpoint === undefined) return steps.stopped(gdb, stop.reason, stop.thread);
  const pc = stop.reason === 'breakpoint-hit' ? miString(miTuple(stop.results.frame)?.addr) : undefined;
  const outcome = await hits.hit(gdb, stop.breakpoint, { thread: stop.thread, frame: 0 }, pc);
  if (outcome.output) print(outcome.output);
  if (outcome.stop) return 'report';
  const decision = await steps.skippedHit(gdb, stop.thread);
  if (decision === 'report') return 'end of step';
  if (decision === undefined) await mi.execContinue(gdb);
  return 'resumed';
}

/**
 * A step (Step Over, Step Out) that a logpoint or a skipped hit of a hit
 * condition interrupted. gdb ends a step at any breakpoint it stops at; when
 * the adapter does not report that stop, the step must go on as the user asked,
 * not turn into a Continue: back out of the frames the hit is in
 * (`-exec-finish`) to the frame the step runs in, then finish the line.
 */
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';

export type StepKind = 'next' | 'stepIn' | 'stepOut';

interface Step {
  kind: StepKind;
  thread: number;
  /** Stack depth where the step began. */
  depth: number;
  /** A finish back to the step's frame is under way. */
  returning: boolean;
}

/** What to do with a stop. */
export type StepDecision = 'report' | 'resumed';

export class StepRecovery {
  private step?: Step;

  /** A source-line step of `thread` begins (call before resuming). */
  async begin(gdb: MiConnection, kind: StepKind, thread: number): Promise<void> {
    this.step = { kind, thread, depth: await mi.stackInfoDepth(gdb, thread), returning: false };
  }

  /** The program was resumed otherwise, or a stop was reported: no step to go on with. */
  clear(): void {
    this.step = undefined;
  }

  /**
   * A breakpoint hit that is not reported (a logpoint, a hit skipped by its
   * hit condition) in `thread`. 'resumed': the step goes on; 'report': the hit
   * is where the step would have stopped anyway (report it as the step's end);
   * undefined: no step is under way (the caller continues the program).
   * A hit in another thread cut the step short too (all-stop): the stepping
   * thread goes on with it from where it is.
   */
  async skippedHit(gdb: MiConnection, thread: number): Promise<StepDecision | undefined> {
    const step = this.step;
    if (!step) return undefined;
    const own = step.thread === thread;
    if (own && step.kind === 'stepIn') return 'report';
    const depth = await mi.stackInfoDepth(gdb, step.thread);
    const target = step.kind === 'stepOut' ? step.depth - 1 : step.depth;
    if (depth > target) {
      step.returning = true;
      // Frame (depth - target - 1) is the one called from the step's frame: finishing it returns there.
      await mi.execFinish(gdb, { thread: step.thread, frame: depth - target - 1 });
      return 'resumed';
    }
    if (own || step.kind === 'stepOut') return 'report';
    // The stepping thread is in its own frame, in the middle of the line or at the next: the step again.
    await (step.kind === 'next' ? mi.execNext(gdb, step.thread) : mi.execStep(gdb, step.thread));
    return 'resumed';
  }

  /**
   * A watchpoint stopped the step half-way (a replay watching memory): the
   * step goes on from there, out of any frame it went into first.
   */
  async watchTriggered(gdb: MiConnection): Promise<StepDecision | undefined> {
    const step = this.step;
    if (!step) return undefined;
    const depth = await mi.stackInfoDepth(gdb, step.thread);
    const target = step.kind === 'stepOut' ? step.depth - 1 : step.depth;
    if (depth > target && step.kind !== 'stepIn') {
      step.returning = true;
      await mi.execFinish(gdb, { thread: step.thread, frame: depth - target - 1 });
    } else if (step.kind === 'stepOut') {
      await mi.execFinish(gdb, { thread: step.thread, frame: 0 });
    } else {
      await (step.kind === 'next' ? mi.execNext(gdb, step.thread) : mi.execStep(gdb, step.thread));
    }
    return 'resumed';
  }

  /** Any other stop: the end of a finish this class started goes on with the step. */
  async stopped(gdb: MiConnection, reason: string, thread: number): Promise<StepDecision> {
    const step = this.step;
    if (!step?.returning || reason !== 'function-finished' || step.thread !== thread) return 'report';
    step.returning = false;
    if (step.kind === 'stepOut') return 'report';
    // Back in the step's frame, in the middle of its line: Step Over finishes the line.
    await mi.execNext(gdb, thread);
    return 'resumed';
  }
}

/**
 * Find Last Change (`ckpt/findLastChange`), after FReD's transition
 * watchpoints: the latest moment before the program's stop at which an
 * expression's value changed. The expression's memory is watched (a hardware
 * watchpoint on its address, so that a local is found outside its frame too;
 * an expression not in memory of its own is watched as gdb watches it)
 * while the stretch from each landmark to the next is re-executed, the
 * latest stretch first: the first stretch with a change holds the last one,
 * and earlier landmarks are never restored. Then the program goes to that
 * change (the landmark restored again, re-executed to the change's count),
 * which becomes a stop of the timeline between two stops.
 * Checking the value at each landmark and bisecting would miss a value that
 * changed and changed back within a stretch; watching every stretch from the
 * latest backwards costs no more when the change is recent, as it usually is.
 */
import { CkptError, errorMessage } from '../engine';
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { ThreadFrame } from '../gdb/gdbCommands';
import { CancelledError } from './cancellation';
import type { Progress } from './progressReporter';
import type { Replayer, WatchedChange } from './replayer';
import type { StopTimeline } from './stopTimeline';
import { watchTarget } from './dataBreakpoints';
import { WatchedMemory } from './watchedMemory';

/** What Find Last Change needs of the time-travel part. */
export interface TravelRoom {
  readonly timeline: StopTimeline;
  readonly gdb: MiConnection;
  /** Restores `landmark` held and runs `work` on it, shown to nobody. */
  replayFrom(landmark: string, work: (replayer: Replayer, gdb: MiConnection) => Promise<void>): Promise<void>;
  /** Goes to position `target` and shows the program stopped there. */
  goTo(target: number): Promise<void>;
}

export interface LastChange {
  /** "limit: 200 → -546" */
  description: string;
  old: string;
  value: string;
}

/**
 * Finds the last change of `expression` (evaluated in `at`) before the
 * current stop and stops the program there. Bad input changes nothing; a
 * search that finds nothing, or is cancelled, leaves the program at the
 * stop it began at.
 */
export async function findLastChange(room: TravelRoom, expression: string, at: ThreadFrame | undefined, progress: Progress): Promise<LastChange> {
  const { timeline } = room;
  if (!timeline.standing || timeline.current < 0) {
    throw new CkptError('Find Last Change needs the program at a stop of this debug session (not just restored from outside it).');
  }
  const now = timeline.current;
  const value = await mi.dataEvaluateExpression(room.gdb, expression, at).catch((err) => {
    throw new CkptError(`'${expression}' cannot be evaluated: ${errorMessage(err)}`);
  });
  // Not in memory of its own (`a + b`): gdb watches the expression, on the memory it reads.
  const target = await watchTarget(room.gdb, expression, at).catch(() => ({ expression, location: expression }));
  const routes = timeline.routesTo(now).filter((r) => r.from < now);
  if (routes.length === 0) {
    throw new CkptError('No snapshot before this stop leads here (the adapter\'s landmarks are off, or none leads past a Pause): save one before the change.');
  }
  let end = now;
  let problem: string | undefined;
  for (const [i, route] of routes.entries()) {
    if (progress.token.cancelled) break;
    progress.update(`Watching ${expression} from stop ${route.from + 1} to stop ${end + 1}`, Math.round((100 * i) / routes.length));
    const steps = route.steps.filter((s) => s.index <= end);
    let last: WatchedChange | undefined;
    // A failure on the way (a watchpoint gdb cannot set there) ends the search, not the program's place.
    await room.replayFrom(route.landmark, async (replayer, gdb) => {
      const memory = await WatchedMemory.set(gdb, target.location).catch((err) => {
        throw new CkptError(`gdb cannot watch ${target.location} at stop ${route.from + 1}: ${errorMessage(err)}`);
      });
      replayer.watch = { memory, onChange: (change) => { last = change; } };
      replayer.cancel = progress.token;
      try {
        const outcome = await replayer.replay(steps, route.from);
        if (outcome.divergence) problem = `the re-execution from stop ${route.from + 1} diverged after stop ${outcome.reached + 1}: ${outcome.divergence}`;
      } finally {
        await memory.delete(gdb);
      }
    }).catch((err) => { problem = errorMessage(err); });
    if (problem) break;
    if (last && !progress.token.cancelled) return goToChange(room, expression, target.location, last, progress);
    end = route.from;
  }
  // Back to where the search began.
  await room.goTo(now);
  if (progress.token.cancelled) throw new CancelledError();
  if (problem) throw new CkptError(`Find Last Change stopped: ${problem}.`);
  const earliest = routes[routes.length - 1].from;
  throw new CkptError(`'${expression}' did not change since stop ${earliest + 1}, the earliest a snapshot leads back to: it is ${value} there as here.`);
}

/** Goes to `change`: a new stop of the timeline, between the two stops it happened between. */
export async function goToChange(room: TravelRoom, expression: string, location: string, change: WatchedChange, progress: Progress): Promise<LastChange> {
  const description = `${expression}: ${change.old} → ${change.now}`;
  progress.update(`Going to the change ${description}`, 90);
  const before = room.timeline.at(change.toward - 1)!;
  const index = room.timeline.insertAfter(change.toward - 1, {
    via: { kind: 'continue', threadOrdinal: before.place.threadOrdinal, watch: { location, count: change.count } },
    arrival: 1,
    // Known once reached.
    place: { ...before.place, pc: '' },
    reason: 'data breakpoint',
    description,
  });
  await room.goTo(index);
  return { description, old: change.old, value: change.now };
}

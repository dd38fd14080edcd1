/**
 * Find First (`ckpt/findFirst`): the first moment since the earliest
 * landmark that leads to the program's stop at which a condition held. The
 * condition is watched by gdb as an expression (hardware watchpoints on the
 * memory it reads) while the whole way from that landmark is re-executed; the
 * first change to true ends the search, and the program goes there as Find
 * Last Change goes to a change (lastChange.ts).
 */
import { CkptError, errorMessage } from '../engine';
import * as mi from '../gdb/gdbCommands';
import type { ThreadFrame } from '../gdb/gdbCommands';
import { CancelToken, CancelledError } from './cancellation';
import { goToChange } from './lastChange';
import { WatchedMemory } from './watchedMemory';
import type { TravelRoom } from './lastChange';
import type { Progress } from './progressReporter';
import type { WatchedChange } from './replayer';

/** gdb's words for a false condition. */
function isFalse(value: string): boolean {
  return /^(0|false|0x0)$/.test(value.trim());
}

export async function findFirst(room: TravelRoom, condition: string, at: ThreadFrame | undefined, progress: Progress): Promise<{ description: string }> {
  const { timeline } = room;
  if (!timeline.standing || timeline.current < 0) {
    throw new CkptError('Find First needs the program at a stop of this debug session (not just restored from outside it).');
  }
  const now = timeline.current;
  await mi.dataEvaluateExpression(room.gdb, condition, at).catch((err) => {
    throw new CkptError(`'${condition}' cannot be evaluated: ${errorMessage(err)}`);
  });
  const routes = timeline.routesTo(now).filter((r) => r.from < now);
  if (routes.length === 0) throw new CkptError('No snapshot before this stop leads here (the adapter\'s landmarks are off, or none leads past a Pause): save one first.');
  const route = routes[routes.length - 1];
  progress.update(`Watching ${condition} from stop ${route.from + 1}`, 10);
  let first: WatchedChange | undefined;
  let atStart = false;
  let problem: string | undefined;
  // Ends the replay at the stop after the first change to true: nothing later matters.
  const found = new CancelToken();
  await room.replayFrom(route.landmark, async (replayer, gdb) => {
    atStart = !isFalse(await mi.dataEvaluateExpression(gdb, condition));
    if (atStart) return;
    const memory = await WatchedMemory.set(gdb, condition);
    replayer.watch = {
      memory,
      onChange: (change) => { if (!first && !isFalse(change.now)) { first = change; found.cancel(); } },
    };
    replayer.cancel = { get cancelled() { return found.cancelled || progress.token.cancelled; } };
    try {
      const outcome = await replayer.replay(route.steps, route.from);
      if (outcome.divergence && !first) problem = `the re-execution diverged after stop ${outcome.reached + 1}: ${outcome.divergence}`;
    } finally {
      await memory.delete(gdb);
    }
  }).catch((err) => { problem = errorMessage(err); });
  if (atStart && !problem) {
    await room.goTo(route.from);
    return { description: `${condition} held already at stop ${route.from + 1}, the earliest a snapshot leads back to` };
  }
  if (first && !problem && !progress.token.cancelled) return goToChange(room, condition, condition, first, progress);
  await room.goTo(now);
  if (progress.token.cancelled) throw new CancelledError();
  if (problem) throw new CkptError(`Find First stopped: ${problem}.`);
  throw new CkptError(`'${condition}' did not hold since stop ${route.from + 1}, the earliest a snapshot leads back to.`);
}

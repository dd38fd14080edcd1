/**
 * Reverse Continue's search: the last stop at a breakpoint set now before the
 * program's position, found by replaying from landmarks, the latest first
 * (a breakpoint set after the fact is hit in the replay as it would have been
 * then). Each earlier landmark is replayed only up to the one after it.
 */
import type { ReplayedHit } from './replayer';
import type { Route } from './stopTimeline';

/** A position of the timeline, or a hit between two positions. */
export type FoundHit = { index: number; hit?: undefined } | { index?: undefined; hit: ReplayedHit };

/**
 * `routes`: routes to position `now`, latest landmark first. `scan` restores a
 * route's landmark and replays its steps, telling every hit in order (the
 * landmark's own place first, when a breakpoint is set there).
 */
export async function lastHitBefore(
  now: number, routes: Route[], scan: (route: Route, onHit: (hit: ReplayedHit) => void) => Promise<void>,
): Promise<FoundHit | undefined> {
  let end = now;
  for (const route of routes) {
    if (route.from >= end) continue;
    let last: ReplayedHit | undefined;
    const steps = route.steps.filter((s) => s.index <= end);
    const limit = end;
    await scan({ ...route, steps }, (hit) => {
      if (hit.toward < limit || (hit.toward === limit && !hit.isArrival)) last = hit;
    });
    if (last) return last.isArrival ? { index: last.toward } : { hit: last };
    end = route.from;
  }
  return undefined;
}

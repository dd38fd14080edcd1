/**
 * The adapter's own landmarks, on unless `"autoSnapshot": false` or
 * `"landmarkEvery": 0` (`"autoSnapshot": { "landmarkEvery": N, "maxLandmarks":
 * M }`, by default every 20 stops, at most 20): a snapshot at the first stop
 * and then whenever the program is N stops past the last landmark it can be
 * replayed from, so that going back never re-executes more than N stops; at
 * most M of them, the surplus thinned with age (old stretches keep fewer,
 * farther apart).
 */
import { CkptError } from '../engine';

export interface LandmarkOptions {
  /** A landmark every this many stops. */
  every: number;
  /**
   * Asked for (`landmarkEvery` given). The default's landmarks are taken only
   * while the program is one process: two processes often hit one breakpoint
   * at the same instant (the ranks of an MPI job, a parent and its child), gdb
   * reports one and keeps the other's hit pending, and a snapshot at that
   * stop loses the pending hit: that process runs on past its breakpoint.
   */
  asked: boolean;
  /** At most this many landmarks of the adapter's own. */
  max: number;
}

/** Going back re-executes at most this many stops by default: a landmark costs a snapshot's pause at one stop in this many. */
export const DEFAULT_LANDMARK_EVERY = 20;
export const DEFAULT_MAX_LANDMARKS = 20;

type AutoSetting = { landmarkEvery?: unknown; maxLandmarks?: unknown } | boolean | undefined;

/** The options from the launch configuration (undefined: no landmarks), or an error naming what is wrong. */
export function landmarkOptions(auto: AutoSetting): LandmarkOptions | undefined {
  if (auto === false) return undefined;
  if (auto !== undefined && auto !== true && (typeof auto !== 'object' || auto === null || Array.isArray(auto))) {
    throw new CkptError(`"autoSnapshot" must be an object of settings, or false for none (got ${JSON.stringify(auto)}).`);
  }
  const settings = typeof auto === 'object' ? auto : {};
  const every = settings.landmarkEvery ?? DEFAULT_LANDMARK_EVERY;
  const max = settings.maxLandmarks ?? DEFAULT_MAX_LANDMARKS;
  if (typeof every !== 'number' || !Number.isInteger(every) || every < 0) {
    throw new CkptError(`"autoSnapshot.landmarkEvery" must be a whole number of stops, 0 for no landmarks (got ${JSON.stringify(every)}).`);
  }
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 2) {
    throw new CkptError(`"autoSnapshot.maxLandmarks" must be a whole number, 2 or more (got ${JSON.stringify(max)}).`);
  }
  if (every === 0) return undefined;
  return { every, max, asked: settings.landmarkEvery !== undefined };
}

/** Whether the stop at `current` needs a landmark, given the one a replay to it would start from. */
export function needsLandmark(options: LandmarkOptions, current: number, routeFrom: number | undefined): boolean {
  return routeFrom === undefined || current - routeFrom >= options.every;
}

/**
 * Which landmark to drop when there are more than `max` (positions in
 * timeline order, `now` the current position): never the first (the way back
 * to the earliest stops) nor the last; of the others, the one whose
 * neighbours are closest together for its age.
 */
export function landmarkToDrop(positions: number[], now: number, max: number): number | undefined {
  if (positions.length <= max || positions.length < 3) return undefined;
  let best: number | undefined;
  let bestScore = Infinity;
  for (let i = 1; i < positions.length - 1; i++) {
    const gap = positions[i + 1] - positions[i - 1];
    const age = now - positions[i] + 1;
    const score = gap / age;
    if (score < bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best;
}

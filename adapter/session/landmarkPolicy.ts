/**
 * The adapter's own landmarks (`"autoSnapshot": { "landmarkEvery": N,
 * "maxLandmarks": M }`): a snapshot at the first stop and then whenever the
 * program is N stops past the last landmark it can be replayed from, so that
 * going back never re-executes more than N stops; at most M of them, the
 * surplus thinned with age (old stretches keep fewer, farther apart).
 */
import { CkptError } from '../engine';

export interface LandmarkOptions {
  /** A landmark every this many stops. */
  every: number;
  /** At most this many landmarks of the adapter's own. */
  max: number;
}

export const DEFAULT_MAX_LANDMARKS = 20;

/** The options from the launch configuration, or an error naming what is wrong. */
export function landmarkOptions(auto: { landmarkEvery?: unknown; maxLandmarks?: unknown } | undefined): LandmarkOptions | undefined {
  const every = auto?.landmarkEvery;
  const max = auto?.maxLandmarks ?? DEFAULT_MAX_LANDMARKS;
  if (every === undefined) {
    if (auto?.maxLandmarks !== undefined) throw new CkptError('"autoSnapshot.maxLandmarks" needs "autoSnapshot.landmarkEvery" (a landmark every N stops).');
    return undefined;
  }
  if (typeof every !== 'number' || !Number.isInteger(every) || every < 1) {
    throw new CkptError(`"autoSnapshot.landmarkEvery" must be a whole number of stops, 1 or more (got ${JSON.stringify(every)}).`);
  }
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 2) {
    throw new CkptError(`"autoSnapshot.maxLandmarks" must be a whole number, 2 or more (got ${JSON.stringify(max)}).`);
  }
  return { every, max };
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

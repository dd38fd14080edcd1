/**
 * The adapter's own landmarks, on unless `"autoSnapshot": false` or
 * `"landmarkEvery": 0` (`"autoSnapshot": { "landmarkEvery": N,
 * "landmarkSeconds": S, "maxLandmarks": M }`, by default every 20 stops or 5
 * s of running, at most 20): a snapshot at the first stop and then at each
 * stop that is N stops, or S seconds of running, past the last landmark it
 * can be replayed from, so that going back never re-executes more than N
 * stops nor more than S seconds of the program's run (a stop reached after a
 * longer run gets a landmark of its own); at most M of them, the surplus
 * thinned with age (old stretches keep fewer, farther apart).
 */
import { CkptError } from '../engine';

export interface LandmarkOptions {
  /** A landmark every this many stops. */
  every: number;
  /** A landmark at a stop this many seconds of running past the last one (0: stops only). */
  seconds: number;
  /** At most this many landmarks of the adapter's own. */
  max: number;
}

/** Going back re-executes at most this many stops by default: a landmark costs a snapshot's pause at one stop in this many. */
export const DEFAULT_LANDMARK_EVERY = 20;
export const DEFAULT_MAX_LANDMARKS = 20;
/** ... nor more than this many seconds of the program's run. */
export const DEFAULT_LANDMARK_SECONDS = 5;

type AutoSetting = { landmarkEvery?: unknown; landmarkSeconds?: unknown; maxLandmarks?: unknown } | boolean | undefined;

/** The options from the launch configuration (undefined: no landmarks), or an error naming what is wrong. */
export function landmarkOptions(auto: AutoSetting): LandmarkOptions | undefined {
  if (auto === false) return undefined;
  if (auto !== undefined && auto !== true && (typeof auto !== 'object' || auto === null || Array.isArray(auto))) {
    throw new CkptError(`"autoSnapshot" must be an object of settings, or false for none (got ${JSON.stringify(auto)}).`);
  }
  const settings = typeof auto === 'object' ? auto : {};
  const every = settings.landmarkEvery ?? DEFAULT_LANDMARK_EVERY;
  const max = settings.maxLandmarks ?? DEFAULT_MAX_LANDMARKS;
  const seconds = settings.landmarkSeconds ?? DEFAULT_LANDMARK_SECONDS;
  if (typeof every !== 'number' || !Number.isInteger(every) || every < 0) {
    throw new CkptError(`"autoSnapshot.landmarkEvery" must be a whole number of stops, 0 for no landmarks (got ${JSON.stringify(every)}).`);
  }
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 2) {
    throw new CkptError(`"autoSnapshot.maxLandmarks" must be a whole number, 2 or more (got ${JSON.stringify(max)}).`);
  }
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new CkptError(`"autoSnapshot.landmarkSeconds" must be a number of seconds, 0 for landmarks by stops only (got ${JSON.stringify(seconds)}).`);
  }
  if (every === 0) return undefined;
  return { every, seconds, max };
}

/**
 * Whether the stop at `current` needs a landmark, given the one a replay to
 * it would start from and how long the program ran from there to here.
 */
export function needsLandmark(options: LandmarkOptions, current: number, routeFrom: number | undefined, ranMs = 0): boolean {
  if (routeFrom === undefined || current - routeFrom >= options.every) return true;
  return current > routeFrom && options.seconds > 0 && ranMs >= options.seconds * 1000;
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

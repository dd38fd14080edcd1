/** The adapter's own landmarks: when one is taken, which one goes (pure logic). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { landmarkOptions, landmarkToDrop, needsLandmark } from '../../adapter/session/landmarkPolicy';

test('a landmark at the first stop, then every N stops past the last one a replay can start from', () => {
  const o = { every: 3, seconds: 0, max: 5 };
  assert.equal(needsLandmark(o, 0, undefined), true, 'none yet');
  assert.equal(needsLandmark(o, 2, 0), false);
  assert.equal(needsLandmark(o, 3, 0), true);
  assert.equal(needsLandmark(o, 7, undefined), true, 'after a pause no landmark leads here');
  assert.equal(needsLandmark(o, 2, 0, 60000), false, 'seconds 0: stops only');
});

test('a landmark also at a stop S seconds of running past the last one, however few stops', () => {
  const o = { every: 20, seconds: 5, max: 5 };
  assert.equal(needsLandmark(o, 1, 0, 4999), false);
  assert.equal(needsLandmark(o, 1, 0, 5000), true);
  assert.equal(needsLandmark(o, 3, 3, 60000), false, 'at the landmark itself');
});

test('thinned with age: the first and the last stay, old stretches get sparse', () => {
  let kept = [0, 10, 20, 30, 40, 50];
  const drop = landmarkToDrop(kept, 50, 5)!;
  assert.equal(drop, 1, 'the oldest of the middle ones goes first');
  assert.equal(landmarkToDrop([0, 10, 20], 20, 5), undefined, 'within the bound');
  // Many rounds: the bound holds, the first and the newest stay, gaps grow with age.
  kept = [0];
  for (let now = 10; now <= 400; now += 10) {
    kept.push(now);
    const i = landmarkToDrop(kept, now, 6);
    if (i !== undefined) kept.splice(i, 1);
  }
  assert.equal(kept.length, 6);
  assert.equal(kept[0], 0);
  assert.equal(kept[kept.length - 1], 400);
  const gaps = kept.slice(1).map((p, i) => p - kept[i]);
  assert.ok(gaps[0] > gaps[gaps.length - 1], `older gaps are wider: ${gaps.join(', ')}`);
});

test('landmarks are on by default; false or landmarkEvery 0 turns them off', () => {
  assert.deepEqual(landmarkOptions(undefined), { every: 20, seconds: 5, max: 20 });
  assert.deepEqual(landmarkOptions({}), { every: 20, seconds: 5, max: 20 });
  assert.deepEqual(landmarkOptions(true), { every: 20, seconds: 5, max: 20 });
  assert.deepEqual(landmarkOptions({ atStops: false } as object), { every: 20, seconds: 5, max: 20 });
  assert.deepEqual(landmarkOptions({ maxLandmarks: 5 }), { every: 20, seconds: 5, max: 5 });
  assert.equal(landmarkOptions(false), undefined);
  assert.equal(landmarkOptions({ landmarkEvery: 0 }), undefined);
});

test('bad landmark settings are refused, naming the setting', () => {
  assert.deepEqual(landmarkOptions({ landmarkEvery: 4 }), { every: 4, seconds: 5, max: 20 });
  assert.throws(() => landmarkOptions({ landmarkEvery: -1 }), /"autoSnapshot.landmarkEvery" must be a whole number of stops, 0 for no landmarks \(got -1\)/);
  assert.throws(() => landmarkOptions({ landmarkEvery: 2.5 }), /"autoSnapshot.landmarkEvery" must be a whole number/);
  assert.throws(() => landmarkOptions({ landmarkEvery: 'x' }), /landmarkEvery/);
  assert.throws(() => landmarkOptions({ landmarkEvery: 2, maxLandmarks: 1 }), /"autoSnapshot.maxLandmarks" must be/);
  assert.throws(() => landmarkOptions({ maxLandmarks: 'many' }), /"autoSnapshot.maxLandmarks" must be/);
  assert.deepEqual(landmarkOptions({ landmarkSeconds: 0.5 }), { every: 20, seconds: 0.5, max: 20 });
  assert.throws(() => landmarkOptions({ landmarkSeconds: -1 }), /"autoSnapshot.landmarkSeconds" must be a number of seconds, 0 for landmarks by stops only \(got -1\)/);
  assert.throws(() => landmarkOptions({ landmarkSeconds: 'soon' }), /landmarkSeconds/);
  assert.throws(() => landmarkOptions('often' as never), /"autoSnapshot" must be an object of settings, or false for none \(got "often"\)/);
  assert.throws(() => landmarkOptions(null as never), /"autoSnapshot" must be an object/);
});

/** The timeline behind going back (pure logic): positions, landmarks, routes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StopTimeline } from '../../adapter/session/stopTimeline';
import type { Place, ResumeKind } from '../../adapter/session/stopTimeline';
import { lastHitBefore } from '../../adapter/session/reverseSearch';

function place(pc: number): Place {
  return { threadOrdinal: 0, pc: `0x${pc.toString(16)}`, depth: 1 };
}

/** Stops at pcs 1, 2, ... reached by `kinds` (the first stop needs none). */
function timeline(kinds: ResumeKind[]): StopTimeline {
  const tl = new StopTimeline();
  tl.stopped(place(1), 'breakpoint');
  kinds.forEach((kind, i) => {
    tl.resumed({ kind, threadOrdinal: 0 });
    tl.stopped(place(i + 2), kind === 'continue' ? 'breakpoint' : 'step');
  });
  return tl;
}

test('a route goes from the latest landmark at or before a position through the commands after it', () => {
  const tl = timeline(['continue', 'next', 'continue']);
  assert.equal(tl.routeTo(3), undefined, 'no landmark: no way back');
  tl.arrivedAt(0);
  tl.landmark('s0');
  tl.arrivedAt(3);
  const route = tl.routeTo(3)!;
  assert.equal(route.landmark, 's0');
  assert.deepEqual(route.steps.map((s) => [s.index, s.position.via?.kind]), [[1, 'continue'], [2, 'next'], [3, 'continue']]);
  assert.equal(tl.previous(), 2);
  tl.arrivedAt(1);
  tl.landmark('s1');
  assert.deepEqual(tl.routesTo(3).map((r) => [r.landmark, r.steps.length]), [['s1', 2], ['s0', 3]]);
  tl.forget('s1');
  assert.equal(tl.routeTo(3)!.landmark, 's0');
});

test('no route passes a stop a pause made, nor one after a resume that was not recorded', () => {
  const tl = timeline(['continue']);
  tl.arrivedAt(0);
  tl.landmark('s0');
  tl.arrivedAt(1);
  tl.resumed({ kind: 'continue', threadOrdinal: 0 });
  tl.stopped(place(9), 'pause');
  assert.equal(tl.routeTo(2), undefined);
  assert.equal(tl.routeTo(1)!.landmark, 's0');
  tl.resumed(undefined);
  tl.stopped(place(10), 'breakpoint');
  assert.equal(tl.at(3)!.unreplayable, true);
});

test('stopping after going back starts a new branch; a landmark needs the program standing at a stop', () => {
  const tl = timeline(['continue', 'continue', 'continue']);
  tl.arrivedAt(1);
  tl.resumed({ kind: 'stepIn', threadOrdinal: 0 });
  assert.equal(tl.landmark('running'), false, 'not at a stop');
  tl.stopped(place(7), 'step');
  assert.equal(tl.length, 3);
  assert.equal(tl.at(2)!.via?.kind, 'stepIn');
  const inserted = tl.insertAfter(0, { via: { kind: 'continue', threadOrdinal: 0 }, arrival: 3, place: place(5), reason: 'breakpoint' });
  assert.equal(inserted, 1);
  assert.equal(tl.length, 2);
  assert.equal(tl.previous(), 0);
});

test('a snapshot restored by the user: at its landmark, or a new timeline from it', () => {
  const tl = timeline(['continue', 'continue']);
  tl.arrivedAt(1);
  tl.landmark('s1');
  tl.arrivedAt(2);
  tl.restoredTo('s1', place(2));
  assert.equal(tl.current, 1);
  assert.equal(tl.length, 3, 'the future stays until the program moves on');
  tl.restoredTo('elsewhere', place(42));
  assert.equal(tl.length, 1);
  assert.equal(tl.at(0)!.landmark, 'elsewhere');
  tl.restart();
  assert.equal(tl.length, 0);
  assert.equal(tl.previous(), undefined);
});

test('reverse search: the last hit before now, from the latest landmark back to earlier ones', async () => {
  const tl = timeline(['continue', 'continue', 'continue', 'continue']);
  tl.arrivedAt(0);
  tl.landmark('s0');
  tl.arrivedAt(2);
  tl.landmark('s2');
  tl.arrivedAt(4);
  const scanned: string[] = [];
  // Breakpoint hits only at stop 1's place (in the stretch from s0) and between stops 3 and 4.
  const found = await lastHitBefore(4, tl.routesTo(4).filter((r) => r.from < 4), async (route, onHit) => {
    scanned.push(`${route.landmark}:${route.steps.map((s) => s.index).join(',')}`);
    for (const { index } of route.steps) {
      if (index === 4) onHit({ toward: 4, arrival: 2, place: place(99), isArrival: false });
      if (index === 1) onHit({ toward: 1, arrival: 1, place: place(2), isArrival: true });
      if (index === 4) onHit({ toward: 4, arrival: 1, place: place(5), isArrival: true });
    }
  });
  assert.equal(found?.hit?.arrival, 2, 'the hit between stops 3 and 4, not stop 4 itself');
  assert.deepEqual(scanned, ['s2:3,4']);

  const earlier = await lastHitBefore(3, tl.routesTo(3).filter((r) => r.from < 3), async (route, onHit) => {
    scanned.push(`${route.landmark}:${route.steps.map((s) => s.index).join(',')}`);
    for (const { index } of route.steps) if (index === 1) onHit({ toward: 1, arrival: 1, place: place(2), isArrival: true });
  });
  assert.deepEqual(earlier, { index: 1 });
  assert.deepEqual(scanned.slice(1), ['s2:3', 's0:1,2'], 'the earlier landmark replayed only up to the later one');
});

test('Reverse Continue needs no search while no breakpoint changed since the last breakpoint stop', () => {
  const isBreakpoint = (reason: string): boolean => reason === 'breakpoint';
  const tl = timeline(['continue', 'next', 'next']);
  assert.equal(tl.lastBreakpointStopUnchanged(isBreakpoint), 1, 'the stop before the two steps');
  tl.breakpointsChanged();
  assert.equal(tl.lastBreakpointStopUnchanged(isBreakpoint), undefined, 'a breakpoint set since may have been hit in between');
  tl.resumed({ kind: 'continue', threadOrdinal: 0 });
  tl.stopped(place(9), 'breakpoint');
  tl.resumed({ kind: 'continue', threadOrdinal: 0 });
  tl.stopped(place(10), 'breakpoint');
  assert.equal(tl.lastBreakpointStopUnchanged(isBreakpoint), 4);
  tl.arrivedAt(4);
  assert.equal(tl.lastBreakpointStopUnchanged(isBreakpoint), undefined, 'the stops before 4 ran under other breakpoints');
});

test('a second snapshot of a stop that has a landmark: restoring either arrives there; deleting the landmark leaves the other', () => {
  const tl = timeline(['continue', 'continue']);
  tl.arrivedAt(1);
  assert.equal(tl.landmark('auto'), true);
  assert.equal(tl.landmark('mine'), true);
  tl.arrivedAt(2);
  tl.restoredTo('mine', place(9));
  assert.equal(tl.current, 1, 'at the stop it was saved at, not a new timeline');
  assert.equal(tl.length, 3);
  tl.forget('auto');
  assert.equal(tl.at(1)!.landmark, 'mine');
  assert.equal(tl.routeTo(2)!.landmark, 'mine');
  tl.forget('mine');
  assert.equal(tl.at(1)!.landmark, undefined);
  assert.equal(tl.routeTo(2), undefined);

  // The user's own snapshot is the one going back restores there.
  tl.arrivedAt(1);
  tl.landmark('auto');
  tl.landmark('user', true);
  assert.equal(tl.routeTo(2)!.landmark, 'user');
  tl.forget('user');
  assert.equal(tl.routeTo(2)!.landmark, 'auto');
});

test('each position keeps how long the program ran to it, and the condition its breakpoint stopped on', () => {
  const tl = new StopTimeline();
  tl.stopped(place(1), 'breakpoint', undefined, { ranMs: 5 });
  for (const [ms, condition] of [[1000, undefined], [2500, 'i % 100 == 0'], [400, undefined]] as const) {
    tl.resumed({ kind: 'continue', threadOrdinal: 0 });
    tl.stopped(place(2), 'breakpoint', undefined, { ranMs: ms, condition });
  }
  assert.equal(tl.ranBetween(0, 3), 3900, 'the stretches after the first stop, not the run to it');
  assert.equal(tl.ranBetween(1, 2), 2500);
  assert.equal(tl.ranBetween(2, 2), 0);
  assert.equal(tl.ranBetween(2, 99), 400, 'past the end: what there is');
  assert.equal(tl.at(2)?.condition, 'i % 100 == 0');
  assert.equal(tl.at(3)?.condition, undefined);
  assert.equal(tl.at(1)?.ranMs, 1000);
});

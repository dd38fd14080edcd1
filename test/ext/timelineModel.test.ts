/** What the Snapshot Timeline draws: positions along the run, kinds, sizes, where the program stands. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SnapshotInfo } from '../../adapter/protocol';
import { isAutomatic, spread, timelineModel, TimelineInput } from '../../src/timeline/timelineModel';

const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);
const at = (s: number): string => new Date(T0 + s * 1000).toISOString();
const snap = (id: string, s: number, size: number, label?: string): SnapshotInfo => ({ id, time: at(s), size, processes: 1, label });

function input(over: Partial<TimelineInput>): TimelineInput {
  return { snapshots: [], stops: [], startedAt: T0, now: T0 + 100_000, state: 'stopped', ...over };
}

test('snapshots sit along the run by the time they were taken, the user\'s apart from automatic ones', () => {
  const m = timelineModel(input({
    snapshots: [snap('s2', 50, 2048, 'auto: breakpoint'), snap('s1', 25, 1024), snap('s3', 75, 4096, 'before the loop')],
  }));
  assert.deepEqual(m.snapshots.map((s) => s.id), ['s1', 's2', 's3'], 'in the order they were taken');
  assert.deepEqual(m.snapshots.map((s) => s.x), [0.25, 0.5, 0.75]);
  assert.deepEqual(m.snapshots.map((s) => s.kind), ['user', 'auto', 'user']);
  assert.deepEqual(m.snapshots.map((s) => s.sizeRatio), [0.25, 0.5, 1]);
  assert.deepEqual(m.snapshots.map((s) => s.sizeText), ['1.0 KiB', '2.0 KiB', '4.0 KiB']);
  assert.equal(m.snapshots[2].name, 'before the loop');
  assert.equal(m.summary, '3 snapshots · 7.0 KiB · 2 yours, 1 automatic');
  assert.match(m.snapshots[1].detail.join('\n'), /saved automatically/);
  assert.match(m.snapshots[0].detail.join('\n'), /saved by you[\s\S]*1\.0 KiB · 1 process[\s\S]*click to restore/);
});

test('the program stands live at the end, or on the snapshot it was restored to until it moves', () => {
  const snapshots = [snap('s1', 20, 10), snap('s2', 60, 10)];
  const live = timelineModel(input({ snapshots, state: 'stopped', stops: [{ time: T0 + 90_000, reason: 'breakpoint' }] }));
  assert.deepEqual(live.here, { x: 1, text: 'now: stopped (breakpoint)' });
  assert.ok(live.snapshots.every((s) => !s.here));

  const back = timelineModel(input({
    snapshots, restoredFrom: 's1', atSnapshot: 's1',
    stops: [{ time: T0 + 80_000, reason: 'restore', description: 'Restored snapshot s1', restoredTo: 's1' }],
  }));
  assert.equal(back.here?.onSnapshot, 's1');
  assert.equal(back.here?.x, 0.2);
  assert.deepEqual(back.snapshots.map((s) => [s.id, s.here, s.restored]), [['s1', true, true], ['s2', false, false]]);
  assert.deepEqual(back.stops[0].jump, { toX: 0.2, to: 's1' }, 'the jump back is drawn from the stop to the snapshot');
  assert.match(back.stops[0].title, /went back to s1/);

  const ranOn = timelineModel(input({ snapshots, restoredFrom: 's1', state: 'running' }));
  assert.deepEqual(ranOn.here, { x: 1, text: 'now: running' });
  assert.ok(ranOn.snapshots[0].restored && !ranOn.snapshots[0].here);
  assert.equal(timelineModel(input({ snapshots, state: 'ended' })).here, undefined, 'no position once the program ended');
});

test('snapshots from before the session keep to the left, the session\'s run takes the rest', () => {
  const m = timelineModel(input({ snapshots: [snap('old', -86_400, 10), snap('new', 50, 10)] }));
  assert.ok(m.snapshots[0].x < m.runStartX, 'the old one is left of the run');
  assert.ok(m.runStartX > 0 && m.snapshots[1].x === m.runStartX + (1 - m.runStartX) * 0.5);
  assert.match(m.startText, /^earlier/);
  assert.equal(timelineModel(input({})).summary, 'No snapshots yet');
});

test('automatic snapshots are those of autoSnapshot and of ckpt launch --interval', () => {
  assert.ok(isAutomatic(snap('a', 0, 1, 'auto: step')));
  assert.ok(isAutomatic(snap('b', 0, 1, 'interval')));
  assert.ok(!isAutomatic(snap('c', 0, 1, 'automatic for me')));
  assert.ok(!isAutomatic(snap('d', 0, 1)));
});

test('marks taken close together are pushed apart, in order and inside the axis', () => {
  assert.deepEqual(spread([0.5, 0.5, 0.5], 0.1), [0.5, 0.6, 0.7]);
  assert.deepEqual(spread([0.98, 0.99, 1], 0.1), [0.8, 0.9, 1]);
  assert.deepEqual(spread([0, 0.5, 1], 0.1), [0, 0.5, 1], 'marks with room stay where they are');
  assert.deepEqual(spread([], 0.1), []);
  const crowded = spread(Array.from({ length: 30 }, () => 0.5), 0.1);
  assert.equal(crowded[0], 0);
  assert.equal(crowded[29], 1, 'too many to keep the gap: they share the axis evenly');
});

/** What the Snapshot Timeline draws: positions along the run, kinds, sizes, where the program stands. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SnapshotInfo } from '../../adapter/protocol';
import { MAX_ROWS } from '../../src/timeline/branches';
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
  assert.deepEqual(live.here, { x: 1, row: 0, text: 'now: stopped (breakpoint)' });
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
  assert.deepEqual(ranOn.here, { x: 1, row: 0, text: 'now: running' });
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

const jump = (s: number, to: string) => ({ time: T0 + s * 1000, reason: 'restore', description: `Restored snapshot ${to}`, restoredTo: to });
const stop = (s: number) => ({ time: T0 + s * 1000, reason: 'breakpoint' });

test('going back starts a branch: a new row from the snapshot restored, the run that was ends at the jump', () => {
  const snapshots = [snap('s1', 10, 10), snap('a2', 20, 10, 'auto: breakpoint'), snap('s3', 60, 10), snap('s4', 80, 10)];
  // Stops at 10 and 20; at 40 back to s1; stops at 50 and 60 (s3 saved); at 70 back to a2; a stop at 80 (s4 saved).
  const m = timelineModel(input({ snapshots, stops: [stop(10), stop(20), jump(40, 's1'), stop(50), stop(60), jump(70, 'a2'), stop(80)] }));
  assert.equal(m.rows, 3);
  assert.deepEqual(m.lanes, [
    { row: 0, fromX: 0, toX: 0.4, fork: undefined, current: false },
    { row: 1, fromX: 0.4, toX: 0.7, fork: { x: 0.1, row: 0, snapshot: 's1' }, current: false },
    { row: 2, fromX: 0.7, toX: 1, fork: { x: 0.2, row: 0, snapshot: 'a2' }, current: true },
  ]);
  assert.deepEqual(m.snapshots.map((s) => [s.id, s.row]), [['s1', 0], ['a2', 0], ['s3', 1], ['s4', 2]], 'each on the branch it was taken on');
  assert.deepEqual(m.stops.map((s) => s.row), [0, 0, 1, 1, 1, 2, 2], 'a jump\'s stop begins its branch');
  assert.deepEqual(m.here, { x: 1, row: 2, text: 'now: stopped (breakpoint)' }, 'live at the end of the branch it is on');
  assert.deepEqual(m.stops[2].jump, { toX: 0.1, to: 's1' });

  const onSnapshot = timelineModel(input({ snapshots, stops: [stop(10), jump(40, 's1')], atSnapshot: 's1', restoredFrom: 's1' }));
  assert.deepEqual(onSnapshot.here, { x: 0.1, row: 0, text: 'here: s1', onSnapshot: 's1' }, 'on the snapshot, on its own row');
  assert.equal(onSnapshot.lanes[1].current, true, 'the new branch is the one the program is on');
  assert.equal(timelineModel(input({ snapshots, state: 'ended', stops: [jump(40, 's1')] })).lanes.some((l) => l.current), false);
});

test('a run without going back has one row; a branch leaving from a branch goes below it', () => {
  const plain = timelineModel(input({ snapshots: [snap('s1', 10, 10)], stops: [stop(10), stop(30)] }));
  assert.equal(plain.rows, 1);
  assert.deepEqual(plain.lanes, [{ row: 0, fromX: 0, toX: 1, fork: undefined, current: true }]);

  // Back to s1 at 30; s2 saved on that branch at 40; back to s2 at 50: leaves from row 1.
  const nested = timelineModel(input({ snapshots: [snap('s1', 10, 10), snap('s2', 40, 10)], stops: [stop(10), jump(30, 's1'), stop(40), jump(50, 's2')] }));
  assert.deepEqual(nested.lanes.map((l) => [l.row, l.fork?.row]), [[0, undefined], [1, 0], [2, 1]]);
});

test('many jumps back reuse the rows whose branches ended before the new one leaves, never its own parent\'s', () => {
  const snapshots = [snap('s1', 1, 10)];
  const stops = [stop(1), ...Array.from({ length: 6 }, (_, i) => jump(10 + 10 * i, 's1'))];
  const m = timelineModel(input({ snapshots, stops }));
  assert.ok(m.rows <= MAX_ROWS, `${m.rows} rows at most ${MAX_ROWS}`);
  assert.deepEqual(m.lanes.map((l) => l.row), [0, 1, 2, 3, 1, 2, 3], 'all leave from s1 on row 0 at 1 s: the oldest row comes back first');
  assert.ok(m.lanes.every((l) => l.fork === undefined || l.fork.row !== l.row));
  // A deleted snapshot still starts a branch, leaving from where the jump was made.
  const gone = timelineModel(input({ stops: [stop(10), jump(50, 'deleted')] }));
  assert.deepEqual(gone.lanes[1].fork, { x: 0.5, row: 0, snapshot: 'deleted' });
});

/** The history behind Step Back and Reverse Continue (pure logic). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SnapshotHistory } from '../../adapter/session/snapshotHistory';

test('step back goes to the snapshot before the current stop, then further back', () => {
  const h = new SnapshotHistory();
  assert.equal(h.stepBackTarget(), undefined);
  h.record({ id: '1', reason: 'breakpoint' });
  assert.equal(h.stepBackTarget(), undefined, 'at the first snapshot there is nothing earlier');
  h.moved();
  assert.equal(h.stepBackTarget()?.id, '1', 'moved on from 1: back to 1');
  h.record({ id: '2', reason: 'step' });
  h.moved();
  h.record({ id: '3', reason: 'step' });
  assert.equal(h.stepBackTarget()?.id, '2');
  h.restoredTo('2');
  assert.equal(h.stepBackTarget()?.id, '1');
  h.restoredTo('1');
  assert.equal(h.stepBackTarget(), undefined);
});

test('going forward after going back starts a new branch', () => {
  const h = new SnapshotHistory();
  for (const id of ['1', '2', '3']) { h.record({ id, reason: 'step' }); h.moved(); }
  h.restoredTo('1');
  h.moved();
  h.record({ id: '4', reason: 'step' });
  assert.deepEqual(h.list().map((e) => e.id), ['1', '4']);
  assert.equal(h.stepBackTarget()?.id, '1');
});

test('reverse continue goes to the last earlier breakpoint stop, else the first snapshot', () => {
  const h = new SnapshotHistory();
  h.record({ id: '1', reason: 'entry' }); h.moved();
  h.record({ id: '2', reason: 'breakpoint' }); h.moved();
  h.record({ id: '3', reason: 'step' }); h.moved();
  h.record({ id: '4', reason: 'step' });
  assert.equal(h.reverseContinueTarget()?.id, '2');
  h.restoredTo('2');
  assert.equal(h.reverseContinueTarget()?.id, '1', 'no earlier breakpoint: the first');
  h.restoredTo('1');
  assert.equal(h.reverseContinueTarget(), undefined);
});

test('a deleted snapshot leaves the history without moving the program', () => {
  const h = new SnapshotHistory();
  h.record({ id: '1', reason: 'step' }); h.moved();
  h.record({ id: '2', reason: 'step' }); h.moved();
  h.record({ id: '3', reason: 'step' });
  h.forget('2');
  assert.equal(h.stepBackTarget()?.id, '1');
  h.forget('3');
  assert.equal(h.stepBackTarget()?.id, '1', 'the current one gone: the last one before is still 1');
});

test('two snapshots of one stop (a landmark and the user\'s) are one moment: Step Back goes before both', () => {
  const h = new SnapshotHistory();
  h.record({ id: '1', reason: 'breakpoint' });
  h.moved();
  h.record({ id: '2', reason: 'landmark' });
  h.record({ id: '3', reason: 'manual' });
  assert.equal(h.stepBackTarget()?.id, '1', 'not the landmark of the same stop');
  assert.equal(h.reverseContinueTarget()?.id, '1');
  h.restoredTo('2');
  assert.equal(h.stepBackTarget()?.id, '1');
  h.restoredTo('1');
  assert.equal(h.stepBackTarget(), undefined);
  h.moved();
  assert.equal(h.stepBackTarget()?.id, '1', 'moved on: back to it');
});

/** The output rules the scenario driver applies, on hand-made outputs. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { numbered, sequenceBreak } from './outputRules';

test('numbered picks the numbers of matching lines only', () => {
  assert.deepEqual(numbered(['tick 1', 'ready', 'tick 2 x', 'ticks 3', 'tick 10'], 'tick'), [1, 2, 10]);
});

test('sequenceBreak accepts one unbroken count across outputs', () => {
  assert.equal(sequenceBreak([['tick 1', 'tick 2', 'ready'], ['tick 3', 'PASS']], 'tick'), undefined);
});

test('sequenceBreak names a lost line', () => {
  assert.match(sequenceBreak([['tick 1', 'tick 2'], ['tick 4']], 'tick') ?? '', /"tick 4" where "tick 3" was due/);
});

test('sequenceBreak names a line run twice (state older than the checkpoint)', () => {
  assert.match(sequenceBreak([['tick 1', 'tick 2'], ['tick 2', 'tick 3']], 'tick') ?? '', /output 2: "tick 2" where "tick 3"/);
});

test('sequenceBreak names a program that started over', () => {
  assert.match(sequenceBreak([['tick 1', 'tick 2'], ['tick 1']], 'tick') ?? '', /"tick 1" where "tick 3"/);
});

test('sequenceBreak names an output without any counted line', () => {
  assert.match(sequenceBreak([['tick 1'], ['PASS']], 'tick') ?? '', /output 2 has no "tick N" lines/);
});

/** Hit conditions and logpoint messages as the client writes them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHitCondition } from '../../adapter/session/hitConditions';
import { formatLogMessage, parseLogMessage } from '../../adapter/session/logpoints';

const hits = (condition: string): number[] => [1, 2, 3, 4, 5, 6].filter(parseHitCondition(condition));

test('hit conditions select the hits they name', () => {
  assert.deepEqual(hits('3'), [3]);
  assert.deepEqual(hits(' == 3 '), [3]);
  assert.deepEqual(hits('=3'), [3]);
  assert.deepEqual(hits('>= 5'), [5, 6]);
  assert.deepEqual(hits('>5'), [6]);
  assert.deepEqual(hits('< 3'), [1, 2]);
  assert.deepEqual(hits('<= 2'), [1, 2]);
  assert.deepEqual(hits('% 3'), [3, 6]);
  assert.deepEqual(hits('% 1'), [1, 2, 3, 4, 5, 6]);
});

test('a hit condition that is not understood is an error naming it', () => {
  assert.throws(() => parseHitCondition('sometimes'), /'sometimes' is not understood/);
  assert.throws(() => parseHitCondition('>= -1'), /'>= -1' is not understood/);
  assert.throws(() => parseHitCondition('% 0'), /'% 0' would never stop/);
});

test('a log message: text, {expressions} (braces inside too) and {{ }} for braces', async () => {
  assert.deepEqual(parseLogMessage('x={x} p={(struct p){1, 2}.a} {{lit}}'), [
    { text: 'x=' }, { expression: 'x' }, { text: ' p=' }, { expression: '(struct p){1, 2}.a' }, { text: ' {lit}' },
  ]);
  const out = await formatLogMessage(parseLogMessage('{a}+{b}={nope}'), async (e) => {
    if (e === 'nope') throw new Error('No symbol "nope" in current context.');
    return e === 'a' ? '1' : '2';
  });
  assert.equal(out, '1+2=<No symbol "nope" in current context.>');
  assert.throws(() => parseLogMessage('x={x'), /'\{' without its '\}'/);
  assert.throws(() => parseLogMessage('x}'), /'\}' without its '\{'/);
  assert.throws(() => parseLogMessage('x={ }'), /names no expression/);
});

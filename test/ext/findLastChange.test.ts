/**
 * Find Last Change from the editor without VS Code: the expression a Variables
 * or Watch row stands for, and the request the command sends with it (or with
 * an expression asked for), its answer shown and its error readable.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expressionOf, findLastChange } from '../../src/findLastChange';
import type { LastChangeUi } from '../../src/findLastChange';

function ui(typed?: string, frameId?: number): LastChangeUi & { infos: string[]; errors: string[]; asked: number } {
  const shown = { infos: [] as string[], errors: [] as string[], asked: 0 };
  return Object.assign(shown, {
    askExpression: () => { shown.asked++; return Promise.resolve(typed); },
    selectedFrameId: () => frameId,
    showInfo: (text: string) => { shown.infos.push(text); },
    showError: (text: string) => { shown.errors.push(text); },
  });
}

function session(answer: (command: string, args: unknown) => Promise<unknown>): { sent: [string, unknown][]; customRequest: (c: string, a?: unknown) => Thenable<unknown> } {
  const sent: [string, unknown][] = [];
  return { sent, customRequest: (command, args) => { sent.push([command, args]); return answer(command, args); } };
}

test('the expression of a Variables row (its evaluateName), a Watch row, or a string', () => {
  assert.equal(expressionOf({ container: { name: 'Locals' }, variable: { name: 'y', evaluateName: 'origin.y', value: '9' } }), 'origin.y');
  assert.equal(expressionOf({ variable: { name: 'limit', value: '200' } }), 'limit');
  assert.equal(expressionOf({ name: '*cell', value: '42' }), '*cell');
  assert.equal(expressionOf({ expression: ' p->next ' }), 'p->next');
  assert.equal(expressionOf('  local '), 'local');
  for (const nothing of [undefined, null, 3, '', '  ', {}, { variable: {} }, { name: '' }]) assert.equal(expressionOf(nothing), undefined);
});

test('the command sends ckpt/findLastChange with the row\'s expression and the selected frame, and shows the change', async () => {
  const s = session(() => Promise.resolve({ description: 'limit: 200 → -546', old: '200', value: '-546' }));
  const u = ui(undefined, 1001);
  const result = await findLastChange(s, { variable: { name: 'limit', evaluateName: 'limit' } }, u);
  assert.deepEqual(s.sent, [['ckpt/findLastChange', { expression: 'limit', frameId: 1001 }]]);
  assert.equal(result?.value, '-546');
  assert.deepEqual(u.infos, ['Last change: limit: 200 → -546']);
  assert.equal(u.asked, 0, 'a row needs no question');
});

test('from the palette it asks for the expression; giving up sends nothing', async () => {
  const s = session(() => Promise.resolve({ description: 'x: 1 → 2', old: '1', value: '2' }));
  await findLastChange(s, undefined, ui('x'));
  assert.deepEqual(s.sent, [['ckpt/findLastChange', { expression: 'x' }]]);
  const none = session(() => Promise.reject(new Error('not sent')));
  const u = ui(undefined);
  assert.equal(await findLastChange(none, undefined, u), undefined);
  assert.deepEqual([none.sent, u.asked, u.errors], [[], 1, []]);
});

test('an error of the adapter is shown as one sentence; no session is said so', async () => {
  const s = session(() => Promise.reject(new Error("'nosuchvar' cannot be watched: No symbol \"nosuchvar\" in current context.")));
  const u = ui();
  assert.equal(await findLastChange(s, 'nosuchvar', u), undefined);
  assert.deepEqual(u.errors, ['Checkpoint Debugger: Find Last Change: \'nosuchvar\' cannot be watched: No symbol "nosuchvar" in current context.']);
  const v = ui('x');
  await findLastChange(undefined, 'x', v);
  assert.match(v.errors[0], /no checkpoint debug session is running/);
});

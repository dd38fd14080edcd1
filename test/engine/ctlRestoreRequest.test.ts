/** The `restore` control order as the coordinator reads it: malformed orders name what is wrong. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCtlRequest } from '../../adapter/engine/ctlServer';

test('a restore order names its snapshot, and hold when the debugger wants the processes held', () => {
  assert.deepEqual(parseCtlRequest({ cmd: 'restore', snapshot: '3' }), { cmd: 'restore', snapshot: '3' });
  assert.deepEqual(parseCtlRequest({ cmd: 'restore', snapshot: '3', hold: true }), { cmd: 'restore', snapshot: '3', hold: true });
  assert.deepEqual(parseCtlRequest({ cmd: 'restore', snapshot: '3', hold: false }), { cmd: 'restore', snapshot: '3' });
});

test('a malformed restore order is refused with the reason', () => {
  assert.equal(parseCtlRequest({ cmd: 'restore' }), 'restore: snapshot must be a non-empty string (a snapshot id)');
  assert.equal(parseCtlRequest({ cmd: 'restore', snapshot: 3 }), 'restore: snapshot must be a non-empty string (a snapshot id)');
  assert.equal(parseCtlRequest({ cmd: 'restore', snapshot: '' }), 'restore: snapshot must be a non-empty string (a snapshot id)');
  assert.equal(parseCtlRequest({ cmd: 'restore', snapshot: '1', hold: 'yes' }), 'restore: hold must be true or false');
});

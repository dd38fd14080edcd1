/** The engine's own fds (from 1000 up) are left out of the program's fd table: its sockets and its userfaultfd. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { hideEngineFd } from '../../../adapter/engine/engineFds';
import type { FdRow } from '../../../adapter/engine/tables';

const row = (fd: number, kind: FdRow['kind'], path: string): FdRow => ({ fd, kind, path, flags: 0 });

test("the engine's userfaultfd beside its connection is hidden; the program's fds are not", () => {
  const fds = [
    row(0, 'stdio', '/dev/null'),
    row(3, 'other', 'anon_inode:[userfaultfd]'),
    row(1000, 'socket', 'socket:[1]'),
    row(1001, 'other', 'anon_inode:[userfaultfd]'),
    row(1003, 'other', 'anon_inode:[userfaultfd]'),
  ];
  assert.deepEqual(hideEngineFd(fds).map((f) => f.fd), [0, 3, 1003]);
});

test('a file of the program at 1000 ends what is hidden', () => {
  const fds = [row(1000, 'file', '/tmp/x'), row(1001, 'other', 'anon_inode:[userfaultfd]')];
  assert.deepEqual(hideEngineFd(fds).map((f) => f.fd), [1000, 1001]);
});

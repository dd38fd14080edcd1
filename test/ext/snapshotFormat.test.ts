/** How snapshots, resource rows and errors read in the views and messages. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResourceTables, SnapshotInfo } from '../../adapter/protocol';
import { errorMessage } from '../../src/errorMessage';
import { formatSize, resourceRows, snapshotDescription, snapshotLabel } from '../../src/snapshotFormat';

test('sizes read in binary units', () => {
  assert.equal(formatSize(0), '0 B');
  assert.equal(formatSize(1023), '1023 B');
  assert.equal(formatSize(1536), '1.5 KiB');
  assert.equal(formatSize(40 * 1024 * 1024), '40 MiB');
  assert.equal(formatSize(-1), '?');
});

test('a snapshot row shows its label (or id), time, size, process count and the restored mark', () => {
  const s: SnapshotInfo = { id: 's3', time: new Date(2026, 10, 26, 3, 4, 5).toISOString(), size: 2 * 1024 * 1024, processes: 1 };
  assert.equal(snapshotLabel(s), 's3');
  assert.equal(snapshotLabel({ ...s, label: 'before the bug' }), 'before the bug');
  assert.equal(snapshotDescription(s), '03:04:05 · 2.0 MiB · 1 process');
  assert.equal(snapshotDescription({ ...s, processes: 2 }, 's3'), '03:04:05 · 2.0 MiB · 2 processes · restored');
});

test('resource tables become process rows with thread and fd rows under them', () => {
  const tables: ResourceTables = {
    version: 1,
    source: 'live',
    processes: [{
      vpid: 1, pid: 4242, vppid: 0, argv: ['/w/journal', '27'],
      threads: [{ vtid: 1, tid: 4242 }],
      fds: [
        { fd: 3, kind: 'file', path: '/w/journal.log', offset: 120, flags: 0o1101 },
        { fd: 4, kind: 'pipe', path: 'pipe:[77]', flags: 0, peer: { vpid: 2, fd: 5 } },
      ],
    }],
  };
  const [p] = resourceRows(tables);
  assert.equal(p.label, '1 → 4242');
  assert.equal(p.description, 'journal 27');
  assert.match(p.tooltip, /\/w\/journal 27/);
  assert.deepEqual(p.children.map((c) => [c.kind, c.label, c.description]), [
    ['thread', '1 → 4242', 'thread'],
    ['fd', '3', 'file /w/journal.log @120'],
    ['fd', '4', 'pipe pipe:[77] ⇄ process 2 fd 5'],
  ]);
  assert.equal(new Set([p.key, ...p.children.map((c) => c.key)]).size, 4, 'keys are unique');
});

test('a snapshot\'s files become rows under its process: held by the snapshot, or only checked', () => {
  const tables: ResourceTables = {
    version: 2,
    source: '3',
    processes: [{
      vpid: 1, pid: 4242, vppid: 0, argv: ['/w/journal'], threads: [], fds: [],
      files: [
        { path: '/w/journal.log', how: 'saved', why: ['written'], size: 2048 },
        { path: '/w/input.txt', how: 'checked', why: ['read'], size: 10 },
      ],
    }],
  };
  const [p] = resourceRows(tables);
  assert.deepEqual(p.children.map((c) => [c.kind, c.label, c.description]), [
    ['file', 'journal.log', 'in the snapshot (written) 2.0 KiB'],
    ['file', 'input.txt', 'checked at restore (read)'],
  ]);
  assert.match(p.children[0].tooltip, /^\/w\/journal\.log\nits contents \(2048 bytes\) are in the snapshot and put back at restore$/);
  assert.equal(new Set(p.children.map((c) => c.key)).size, 2, 'keys are unique');
});

test('error messages are one readable line without a stack', () => {
  const e = new Error('snapshot s9 does not exist');
  assert.equal(errorMessage(e), 'snapshot s9 does not exist');
  assert.equal(errorMessage('gdb died\n    at Foo.bar (x.js:1:2)'), 'gdb died');
  assert.equal(errorMessage({ message: 'from DAP' }), 'from DAP');
  assert.equal(errorMessage(undefined), 'unknown error');
});

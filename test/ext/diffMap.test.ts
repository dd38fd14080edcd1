/** The memory map "Compare with…" draws: regions to scale, changed pages marked, text escaped. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SnapshotDiff } from '../../adapter/protocol';
import { diffMapHtml } from '../../src/diffMap';

const DIFF: SnapshotDiff = {
  from: '1', to: '2', changedPages: 6, processesAdded: [9], processesRemoved: [],
  processes: [{
    vpid: 7, pageSize: 4096, changedPages: 6,
    regions: [
      { start: '0x7ffc0000', end: '0x7ffc2000', kind: 'stack', path: '[stack]', pages: 2, changed: [[1, 1]], changedPages: 1 },
      { start: '0x3f0000000000', end: '0x3f0000030000', kind: 'anon', path: '', pages: 48, changed: [[3, 3], [20, 1], [40, 1]], changedPages: 5 },
    ],
    added: [{ start: '0x500000', end: '0x501000', kind: 'file', path: '/tmp/<b>&x', pages: 1 }],
    removed: [{ start: '0x600000', end: '0x602000', kind: 'heap', path: '[heap]', pages: 2 }],
    threads: { added: [{ vtid: 8, name: 'worker' }], removed: [], same: [{ vtid: 7, name: 'main' }] },
    fds: { added: [], removed: [{ fd: 3, kind: 'file', path: '/tmp/log', flags: 0 }], changed: [] },
  }],
};

test('regions are drawn in address order, to scale, with their changed pages marked', () => {
  const html = diffMapHtml(DIFF, '1 → 2');
  const starts = [...html.matchAll(/data-start="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(starts, ['0x500000', '0x7ffc0000', '0x3f0000000000']);
  assert.match(html, /data-start="0x3f0000000000" data-changed="5"/);
  assert.match(html, /<td class="count">5\/48<\/td>/);
  assert.match(html, /<td class="count">new, 1<\/td>/);
  // The largest region is the full width; the stack is 2/48 of it.
  assert.match(html, /width:100%;background:var\(--vscode-charts-blue\)/);
  assert.match(html, new RegExp(`width:${(100 * 2) / 48}%;background:var\\(--vscode-charts-purple\\)`));
  assert.equal([...html.matchAll(/class="changed" style="left:([\d.]+)%;width:([\d.]+)%"/g)].length, 4);
  assert.match(html, new RegExp(`left:${(100 * 20) / 48}%;width:${100 / 48}%`));
  assert.match(html, /Regions removed.*0x600000-0x602000 heap \[heap\]/);
  assert.match(html, /thread 8 \(worker\) added/);
  assert.match(html, /fd 3 removed: file \/tmp\/log/);
  assert.match(html, /Process 9 is new/);
  assert.match(html, /6 pages changed/);
});

test('text from the snapshot cannot become markup, and the page runs no script', () => {
  const html = diffMapHtml(DIFF, '<i>t</i>');
  assert.doesNotMatch(html, /<b>|<i>/);
  assert.match(html, /\/tmp\/&#60;b&#62;&#38;x/);
  assert.match(html, /default-src 'none'/);
  assert.doesNotMatch(html, /<script/);
});

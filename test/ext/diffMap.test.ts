/** The memory map "Compare with…" draws: regions to scale, changed pages marked, text escaped. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SnapshotDiff } from '../../adapter/protocol';
import { diffMapHtml, shortPath } from '../../src/diffMap';

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
    files: {
      added: ['/w/<new>'], removed: ['/w/gone'], changed: [{ path: '/w/log', sizeBefore: 10, sizeAfter: 25 }],
      checked: { added: [], removed: [], changed: [{ path: '/w/input', sizeBefore: 4, sizeAfter: 5 }] },
    },
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
  const rows = html.slice(html.indexOf('<table>'));
  assert.equal([...rows.matchAll(/class="changed" style="left:([\d.]+)%;width:([\d.]+)%"/g)].length, 4);
  assert.match(html, new RegExp(`left:${(100 * 20) / 48}%;width:${100 / 48}%`));
  assert.match(html, /Regions removed.*0x600000-0x602000 heap \[heap\]/);
  assert.match(html, /thread 8 \(worker\) added/);
  assert.match(html, /fd 3 removed: file \/tmp\/log/);
  assert.match(html, /Process 9 is new/);
  assert.match(html, /6 pages changed/);
});

test('the program\'s files added, removed or changed are a table, saved ones first', () => {
  const html = diffMapHtml(DIFF, '1 → 2');
  const rows = [...html.matchAll(/<tr class="file" data-change="(\w+)"><td class="path" title="([^"]*)">[^<]*<\/td><td>(\w+)<\/td><td>\w+<\/td><td class="count">([^<]*)<\/td><\/tr>/g)];
  assert.deepEqual(rows.map((m) => [m[2], m[3], m[1], m[4]]), [
    ['/w/&#60;new&#62;', 'saved', 'added', ''],
    ['/w/gone', 'saved', 'removed', ''],
    ['/w/log', 'saved', 'changed', '10 → 25'],
    ['/w/input', 'checked', 'changed', '4 → 5'],
  ]);
  const none = { added: [], removed: [], changed: [] };
  const quiet = diffMapHtml({ ...DIFF, processes: [{ ...DIFF.processes[0], files: { ...none, checked: none } }] }, 't');
  assert.doesNotMatch(quiet, /<h3>Files<\/h3>|class="file"/);
});

test('text from the snapshot cannot become markup, and the page runs no script', () => {
  const html = diffMapHtml(DIFF, '<i>t</i>');
  assert.doesNotMatch(html, /<b>|<i>/);
  assert.match(html, /\/tmp\/&#60;b&#62;&#38;x/);
  assert.match(html, /default-src 'none'/);
  assert.doesNotMatch(html, /<script/);
});

test('the whole map is one strip: every region as wide as its pages, coloured by kind, its changed pages marked; a legend names the kinds', () => {
  const html = diffMapHtml(DIFF, '1 → 2');
  const strip = /<div class="map" role="img" aria-label="([^"]*)">(.*?)<\/div>/.exec(html);
  assert.ok(strip, 'a strip for the process');
  assert.equal(strip[1], 'memory map of process 7: 3 regions, 51 pages, 6 changed');
  const segments = [...strip[2].matchAll(/<span class="segment" data-region="([^"]+)" style="flex-grow:(\d+)" title="([^"]*)"><span class="fill" style="background:([^"]+)"><\/span>(.*?)<\/span>(?=<span class="segment"|$)/g)];
  assert.deepEqual(segments.map((m) => [m[1], Number(m[2]), m[4]]), [
    ['0x500000', 1, 'var(--vscode-charts-green)'],
    ['0x7ffc0000', 2, 'var(--vscode-charts-purple)'],
    ['0x3f0000000000', 48, 'var(--vscode-charts-blue)'],
  ], 'in address order, each as wide as its pages (the removed heap is not in the later map)');
  assert.deepEqual(segments.map((m) => m[3]), ['0x500000 file /tmp/&#60;b&#62;&#38;x: new, 1 page', '0x7ffc0000 stack [stack]: 1 of 2 pages changed',
    '0x3f0000000000 anon: 5 of 48 pages changed']);
  assert.equal([...segments[2][5].matchAll(/class="changed"/g)].length, 3, 'the three runs of changed pages');
  assert.equal([...segments[0][5].matchAll(/class="changed"/g)].length, 0, 'a new region has none marked');
  assert.match(html, /<p class="legend"><span class="key" style="background:var\(--vscode-charts-green\)"><\/span>file 1 <span class="key" style="background:var\(--vscode-charts-purple\)"><\/span>stack 2 <span class="key" style="background:var\(--vscode-charts-blue\)"><\/span>anonymous 48 <span class="key changed-key"><\/span>changed pages<\/p>/);
  assert.match(diffMapHtml({ ...DIFF, processes: [{ ...DIFF.processes[0], regions: [{ ...DIFF.processes[0].regions[0], kind: 'vvar' }] }] }, 't'),
    /background:var\(--vscode-charts-foreground\)"><\/span>kernel and other 2/, 'kinds without a colour of their own share one');
});

test('a long path keeps its end, the file name, and the whole path is the cell\'s tooltip', () => {
  assert.equal(shortPath('/usr/lib/x86_64-linux-gnu/libc.so.6'), '/usr/lib/x86_64-linux-gnu/libc.so.6');
  const long = `/tmp/${'d'.repeat(60)}/native/build/libckpt.so`;
  assert.equal(shortPath(long), `…${long.slice(-47)}`);
  assert.equal(shortPath(long).length, 48);
  const html = diffMapHtml({ ...DIFF, processes: [{ ...DIFF.processes[0], added: [{ ...DIFF.processes[0].added[0], path: long }] }] }, 't');
  assert.ok(html.includes(`<td class="path" title="${long}">…${long.slice(-47)}</td>`));
});

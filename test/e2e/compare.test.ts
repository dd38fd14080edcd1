/**
 * "Compare with…" in a real VS Code (code-server) and a real browser (Chromium):
 * test/workspace/pages.c fills 4 pages of a 48-page table at a fixed address in each
 * round; a snapshot saved from the debug toolbar at #BP1 in rounds 1 and 2, then
 * Compare with… from the first row's context menu, the second picked: the page that
 * opens names the table's region with 4 of its 48 pages changed, marked on its bar
 * and on the process's whole memory map.
 * Screenshots go to test/e2e/artifacts/.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { screenshot, until } from './browser';
import { notifications, snapshotRows } from './snapshotSteps';
import type { FrameLocator, Locator, Page } from './playwrightTypes';
import {
  clickToolbar, markerLine, openWorkbench, reportTimings, setBreakpoint, snapshotsPane, startDebugging, waitForStopAt,
  waitForVariable, Workbench,
} from './workbenchFlow';

const PROGRAM = 'pages.c';
/** The table's address and size in pages.c, and how many pages a round fills. */
const TABLE = '0x3f0000000000';
const TABLE_PAGES = 48;
const PAGES_A_ROUND = 4;

/** Makes "Debug pages with snapshots" the configuration F5 starts (the first). */
function pagesFirst(folder: string): void {
  const file = path.join(folder, '.vscode', 'launch.json');
  const launch = JSON.parse(fs.readFileSync(file, 'utf8')) as { configurations: { name: string }[] };
  const i = launch.configurations.findIndex((c) => c.name === 'Debug pages with snapshots');
  if (i < 0) throw new Error(`no pages configuration in ${file}`);
  launch.configurations.unshift(...launch.configurations.splice(i, 1));
  fs.writeFileSync(file, JSON.stringify(launch, null, 2));
}

/** The diff's page: an editor webview (no `purpose`, which only views have), its inner frame ours. */
function diffFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview[src*="checkpoint-debugger"]:not([src*="purpose="])').frameLocator('#active-frame');
}

/** A row's label, exactly `text` (a row's text runs label and description together). */
function labelled(page: Page, text: string): Locator {
  return page.locator('.label-name', { hasText: new RegExp(`^\\s*${text}\\s*$`) });
}

/** Save Snapshot on the debug toolbar; waits for the Snapshots view to list `count` rows. */
async function saveFromToolbar(page: Page, count: number): Promise<string[]> {
  await clickToolbar(page, 'Save Snapshot');
  return until(`${count} snapshot row(s)`, async () => {
    const errors = (await notifications(page)).filter((n) => /could not/i.test(n));
    if (errors.length > 0) throw new Error(`saving failed: ${errors.join(' | ')}`);
    const rows = await snapshotRows(page);
    return rows.length === count ? rows : undefined;
  }, 120_000, 50);
}

describe('Compare with… in a real VS Code', { timeout: 600_000 }, () => {
  let wb: Workbench;
  const started = Date.now();
  const line = markerLine('#BP1', PROGRAM);

  before(async () => {
    wb = await openWorkbench(pagesFirst);
  });

  after(async () => {
    if (!wb) return;
    wb.timings.wholePass = Date.now() - started;
    reportTimings(wb, 'compare');
    await wb.close();
  });

  test('a snapshot in round 1 and one in round 2 of pages.c', async () => {
    await setBreakpoint(wb.page, line, PROGRAM);
    await startDebugging(wb, line, PROGRAM);
    await waitForVariable(wb.page, 'round', '1');
    await saveFromToolbar(wb.page, 1);
    await clickToolbar(wb.page, 'Continue');
    await waitForVariable(wb.page, 'round', '2');
    await waitForStopAt(wb.page, line, 90_000, PROGRAM);
    const rows = await saveFromToolbar(wb.page, 2);
    // Newest first: the label ("2"), then "hh:mm:ss · size · 1 process".
    // Snapshot 1 is the adapter's landmark of the first stop (in the folded Automatic group).
    assert.deepEqual(rows.map((r) => /^(\S+?)\d\d:\d\d:\d\d/.exec(r)?.[1]), ['3', '2']);
  });

  test('Compare with… on the first snapshot, the second picked: the page names the table\'s region and its 4 changed pages', async () => {
    const { page } = wb;
    const first = (await snapshotsPane(page)).locator('.monaco-list-row', { has: labelled(page, '2') }).first();
    await first.click({ button: 'right' });
    // The menu acts on a focused item's Enter; hovering focuses the item.
    const item = page.locator('.monaco-menu [role="menuitem"]', { hasText: 'Compare with…' }).first();
    await item.hover();
    await until('the Compare with… item to take the focus', async () =>
      (await page.locator('.monaco-menu .action-item.focused', { hasText: 'Compare with…' }).count()) > 0, 10_000);
    await page.keyboard.press('Enter');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await until('the picker asking for the other snapshot', async () =>
      (await page.locator('.quick-input-widget', { hasText: 'Compare 2 with which snapshot?' }).count()) > 0, 15_000);
    await input.fill('3');
    await page.locator('.quick-input-widget .monaco-list-row', { has: labelled(page, '3') }).first().waitFor({ state: 'visible', timeout: 15_000 });
    const picked = Date.now();
    await input.press('Enter');

    await until('the comparison\'s editor tab', async () =>
      (await page.locator('.tabs-container .tab', { hasText: '2 → 3' }).count()) > 0, 60_000);
    const frame = diffFrame(page);
    const region = frame.locator(`tr.region[data-start="${TABLE}"]`);
    await region.waitFor({ state: 'visible', timeout: 60_000 });
    wb.timings.pickToMap = Date.now() - picked;

    const heading = ((await frame.locator('h1').textContent()) ?? '').trim();
    assert.match(heading, /^2 → 3: \d+ pages changed$/);
    const cells = (await region.locator('td').allTextContents()).map((t) => t.trim());
    assert.deepEqual(cells.slice(0, 3), [TABLE, 'anon', `${PAGES_A_ROUND}/${TABLE_PAGES}`], 'address, kind and changed/pages of the table');
    assert.equal(await region.getAttribute('data-changed'), String(PAGES_A_ROUND));
    // Round 2 filled pages 16-19: one run of changed pages, a twelfth of the bar, a third of the way along.
    const marks = region.locator('.changed');
    assert.equal(await marks.count(), 1);
    const style = (await marks.first().getAttribute('style')) ?? '';
    assert.match(style, new RegExp(`left:${(100 * 16) / TABLE_PAGES}%;width:${(100 * PAGES_A_ROUND) / TABLE_PAGES}%`));
    // Regions are named by their whole paths: the program's own, and libc's.
    const paths = (await frame.locator('tr.region td.path').allTextContents()).map((t) => t.trim());
    assert.ok(paths.includes(path.join(wb.folder, 'pages')), `the program's regions: ${JSON.stringify(paths)}`);
    assert.ok(paths.some((p) => /^\/.*\/libc\.so\.6$/.test(p)), `libc's regions: ${JSON.stringify(paths)}`);
    // The whole map as one strip: the table's segment, as wide as its 48 pages, carries the same mark.
    const segment = frame.locator(`.map .segment[data-region="${TABLE}"]`);
    assert.equal(await segment.count(), 1);
    assert.match((await segment.getAttribute('style')) ?? '', new RegExp(`flex-grow: ?${TABLE_PAGES}`));
    assert.equal(await segment.getAttribute('title'), `${TABLE} anon: ${PAGES_A_ROUND} of ${TABLE_PAGES} pages changed`);
    assert.equal(await segment.locator('.changed').count(), 1);
    // The page counts at least the table's pages (the stack and stdio buffers change too).
    const total = Number(/(\d+) pages changed/.exec(heading)?.[1]);
    assert.ok(total >= PAGES_A_ROUND, `${total} pages changed in all`);
    await screenshot(page, '30-compare-with');
  });
});

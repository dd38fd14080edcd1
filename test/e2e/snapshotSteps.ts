/**
 * The snapshot part of a debugging pass in the real workbench: Save Snapshot on the
 * debug toolbar, the new row in the Snapshots view, Continue, Restore from the row's
 * inline button, and the editor back at the breakpoint with the earlier values.
 */
import assert from 'node:assert/strict';
import { rowTexts, screenshot, until } from './browser';
import type { Page } from './playwrightTypes';
import {
  clickToolbar, resourceRows, snapshotsPane, variables, waitForStopAt, waitForVariable, Workbench,
} from './workbenchFlow';

/** The messages of the notifications now shown (errors from the extension land here). */
export async function notifications(page: Page): Promise<string[]> {
  return (await page.locator('.notifications-toasts .notification-list-item-message').allTextContents()).map((t) => t.trim());
}

/** Snapshot rows: a row of the Snapshots view reads "label hh:mm:ss · size · n process(es)". */
export async function snapshotRows(page: Page): Promise<string[]> {
  return (await rowTexts(await snapshotsPane(page))).filter((r) => /\d+ process/.test(r));
}

/**
 * Runs the snapshot steps; the program must be stopped at `line` with step = 1.
 * The status bar counts the adapter's landmark of the first stop too (its row
 * is in the folded Automatic group).
 */
export async function snapshotPass(wb: Workbench, line: number): Promise<void> {
  const { page } = wb;
  await waitForVariable(page, 'step', '1');
  const before = await variables(page);
  assert.equal((await snapshotRows(page)).length, 0, 'no snapshot rows before saving');

  const clicked = Date.now();
  await clickToolbar(page, 'Save Snapshot');
  const rows = await until('the new row in the Snapshots view', async () => {
    const errors = (await notifications(page)).filter((n) => /could not/i.test(n));
    if (errors.length > 0) throw new Error(`saving failed: ${errors.join(' | ')}`);
    const r = await snapshotRows(page);
    return r.length === 1 ? r : undefined;
  }, 120_000, 25);
  wb.timings.saveClickToRow = Date.now() - clicked;
  assert.match(rows[0], /\d\d:\d\d:\d\d · [\d.]+ (B|KiB|MiB|GiB) · 1 process/);
  await until('the status bar count', async () =>
    (await page.locator('.statusbar-item', { hasText: '2 snapshots' }).count()) > 0, 15_000);
  await screenshot(page, '05-saved');

  await clickToolbar(page, 'Continue');
  await waitForVariable(page, 'step', '2');
  await waitForStopAt(page, line);
  const afterContinue = await variables(page);
  assert.notEqual(afterContinue.get('acc'), before.get('acc'), 'the program moved on');
  await screenshot(page, '06-continued');

  const row = (await snapshotsPane(page)).locator('.monaco-list-row').first();
  await row.hover();
  const restoreClicked = Date.now();
  await row.locator('.action-label[aria-label^="Restore Snapshot"]').click();
  await waitForVariable(page, 'step', '1', 120_000);
  wb.timings.restoreClickToValues = Date.now() - restoreClicked;
  const frame = await waitForStopAt(page, line);
  assert.match(frame, /^main/);
  const after = await variables(page);
  for (const name of ['step', 'start', 'acc']) {
    assert.equal(after.get(name), before.get(name), `${name} is back to its value at the snapshot`);
  }
  // The editor shows the stop at the breakpoint line again.
  await until('the editor\'s current-line decoration on the breakpoint line', async () =>
    (await page.locator('.editor-instance .debug-top-stack-frame, .editor-instance .debug-top-stack-frame-line').count()) > 0, 15_000);
  await until('the restored mark on the snapshot row', async () => (await snapshotRows(page)).some((r) => /restored/.test(r)), 30_000);
  await screenshot(page, '07-restored');

  // The snapshot's own tables, from the row's context menu: the process and the
  // journal file at the offset it had when saved ("step 1: 82\n").
  await (await snapshotsPane(page)).locator('.monaco-list-row').first().click({ button: 'right' });
  // The menu acts on a focused item's Enter; hovering focuses the item.
  const inspectItem = page.locator('.monaco-menu [role="menuitem"]', { hasText: 'Inspect Snapshot Resources' }).first();
  await inspectItem.hover();
  await until('the Inspect menu item to take the focus', async () =>
    (await page.locator('.monaco-menu .action-item.focused', { hasText: 'Inspect Snapshot Resources' }).count()) > 0, 10_000);
  await page.keyboard.press('Enter');
  await page.locator('.monaco-menu').first().waitFor({ state: 'hidden', timeout: 10_000 });
  const saved = await resourceRows(page);
  assert.ok(saved.some((r) => /^\d+ → \d+\s*journal 27/.test(r)), `the saved process row: ${JSON.stringify(saved)}`);
  assert.ok(saved.some((r) => /^3\s*file .*journal\.log @11$/.test(r)), `the saved journal.log fd row: ${JSON.stringify(saved)}`);
  await until('the Resources view to name the snapshot', async () =>
    (await page.locator('.pane-header', { hasText: /Resources\s*snapshot/i }).count()) > 0, 10_000);
  await screenshot(page, '08-inspect-snapshot');

  // The restored program runs on exactly as the original did: the next stop is step 2
  // with the same values as before the restore.
  await clickToolbar(page, 'Continue');
  await waitForVariable(page, 'step', '2');
  await waitForStopAt(page, line);
  const again = await variables(page);
  assert.equal(again.get('acc'), afterContinue.get('acc'), 'the run after the restore repeats the original run');
  await screenshot(page, '09-continued-after-restore');

  // The keybinding saves too: a second row, newest first.
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+Alt+S');
  const two = await until('a second row after Ctrl+Alt+S', async () => {
    const r = await snapshotRows(page);
    return r.length === 2 ? r : undefined;
  }, 60_000);
  assert.ok(!/restored/.test(two[0]) && /restored/.test(two[1]), `the new snapshot is on top: ${JSON.stringify(two)}`);
  await until('the status bar count', async () =>
    (await page.locator('.statusbar-item', { hasText: '3 snapshots' }).count()) > 0, 15_000);
  await screenshot(page, '10-second-snapshot');
}

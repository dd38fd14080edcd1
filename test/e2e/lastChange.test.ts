/**
 * Find Last Change in a real VS Code (code-server) and a real browser (Chromium):
 * stopped at #BP1 of journal.c (Collatz of 27), a snapshot saved from the toolbar,
 * four Continues to step 5; the `acc` row of the Variables view opened and Find
 * Last Change chosen from the `longest` row's context menu: the program goes back
 * to step 3, where `acc.longest` became 124 (82 → 124), and the editor shows it.
 * Screenshots go to test/e2e/artifacts/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { screenshot, until } from './browser';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  clickToolbar, markerLine, openWorkbench, reportTimings, setBreakpoint, startDebugging, variables, waitForStopAt, waitForVariable, Workbench,
} from './workbenchFlow';

function lineAfter(text: string): number {
  const lines = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'test', 'workspace', 'journal.c'), 'utf8').split('\n');
  return lines.findIndex((l) => l.includes(text)) + 2;
}

describe('Find Last Change in a real VS Code', { timeout: 600_000 }, () => {
  let wb: Workbench;
  const started = Date.now();
  const line = markerLine('#BP1');
  /** The line after the one that raises `acc.longest`: a watchpoint stops after the write. */
  const changedAt = lineAfter('acc.longest = acc.value');

  before(async () => {
    wb = await openWorkbench();
  });

  after(async () => {
    if (!wb) return;
    wb.timings.wholePass = Date.now() - started;
    reportTimings(wb, 'lastChange');
    await wb.close();
  });

  test('from the Variables view: back to the step where acc.longest last changed', async () => {
    await setBreakpoint(wb.page, line);
    await startDebugging(wb, line);
    await waitForVariable(wb.page, 'step', '1');
    await clickToolbar(wb.page, 'Save Snapshot');
    // The adapter's landmark of the first stop, and this one.
    await until('the status bar to count the snapshot', async () =>
      (await wb.page.locator('.statusbar-item', { hasText: '2 snapshots' }).count()) > 0, 120_000);
    for (const step of [2, 3, 4, 5]) {
      await clickToolbar(wb.page, 'Continue');
      await waitForVariable(wb.page, 'step', String(step));
    }
    await waitForStopAt(wb.page, line);

    // Open `acc` and ask on its `longest` row.
    const rows = wb.page.locator('.debug-variables .monaco-list-row');
    await rows.filter({ hasText: /^\s*acc\b/ }).first().click();
    await until('the longest row', async () => (await rows.filter({ hasText: /^\s*longest\s*[=:]\s*124/ }).count()) > 0, 15_000);
    await rows.filter({ hasText: /^\s*longest\b/ }).first().click({ button: 'right' });
    const item = wb.page.locator('.monaco-menu [role="menuitem"]', { hasText: 'Find Last Change' }).first();
    await item.hover();
    await until('the Find Last Change menu item to take the focus', async () =>
      (await wb.page.locator('.monaco-menu .action-item.focused', { hasText: 'Find Last Change' }).count()) > 0, 10_000);
    await screenshot(wb.page, '31-find-last-change-menu');
    const t = Date.now();
    await wb.page.keyboard.press('Enter');
    // Stopped just after the write, in step 3 (the loop's own `step` is not set yet then).
    await waitForStopAt(wb.page, changedAt, 120_000);
    wb.timings.findLastChange = Date.now() - t;
    await until('acc.step = 3 and longest = 124', async () => {
      const vars = await variables(wb.page);
      return vars.get('longest') === '124' && (await rows.filter({ hasText: /^\s*step\s*[=:]\s*3\b/ }).count()) > 0;
    }, 30_000);
    await screenshot(wb.page, '32-find-last-change-arrived');
  });
});

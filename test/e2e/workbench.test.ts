/**
 * The extension in a real VS Code (code-server) driven through a real browser
 * (Chromium): the packed .vsix installed, a copy of test/workspace open, a breakpoint set with
 * F9, F5, the stop, the Snapshots and Resources views showing the live program, then
 * Save Snapshot on the debug toolbar, Continue, Restore from the row, and the editor
 * back at the breakpoint with the earlier values. Screenshots go to
 * test/e2e/artifacts/; times are reported (and kept there as JSON), not asserted.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rowTexts, screenshot, until } from './browser';
import { snapshotPass } from './snapshotSteps';
import {
  markerLine, openWorkbench, reportTimings, resourceRows, setBreakpoint, snapshotsPane, startDebugging, waitForVariable, Workbench,
} from './workbenchFlow';

describe('Checkpoint Debugger in a real VS Code', { timeout: 600_000 }, () => {
  let wb: Workbench;
  const started = Date.now();
  const line = markerLine('#BP1');

  before(async () => {
    wb = await openWorkbench();
  });

  after(async () => {
    if (!wb) return;
    wb.timings.wholePass = Date.now() - started;
    reportTimings(wb, 'workbench');
    await wb.close();
  });

  test('opens test/workspace with the extension installed from the .vsix', async () => {
    const installed = fs.readdirSync(wb.server.extensionsDir);
    assert.ok(installed.some((d) => d.startsWith('checkpoint-debugger.checkpoint-debugger-')), `installed: ${installed.join(', ')}`);
    // The Explorer shows the example workspace.
    await until('journal.c in the Explorer', async () =>
      (await wb.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'journal.c' }).count()) > 0, 30_000);
    await screenshot(wb.page, '01-workbench');
  });

  test('stops at a breakpoint set with F9 after F5', async () => {
    await setBreakpoint(wb.page, line);
    await screenshot(wb.page, '02-breakpoint');
    const frame = await startDebugging(wb, line);
    assert.match(frame, /^main/);
    await waitForVariable(wb.page, 'step', '1');
    await waitForVariable(wb.page, 'start', '27');
    await screenshot(wb.page, '03-stopped');
  });

  test('shows the Snapshots view and the live processes, threads and files in Resources', async () => {
    const snapshots = await snapshotsPane(wb.page);
    assert.ok(await snapshots.isVisible(), 'the Snapshots view is shown during a ckpt session');
    const rows = await resourceRows(wb.page);
    const process = rows.find((r) => /^\d+ → \d+\s*\S*journal/.test(r));
    assert.ok(process, `a process row "vpid → pid journal": ${JSON.stringify(rows)}`);
    const pid = Number(/^\d+ → (\d+)/.exec(process)?.[1]);
    assert.ok(fs.existsSync(`/proc/${pid}`), `the real pid ${pid} is a live process`);
    assert.equal(fs.readlinkSync(`/proc/${pid}/exe`), path.join(wb.folder, 'journal'));
    const fd = rows.find((r) => /journal\.log/.test(r));
    assert.ok(fd, `an fd row for journal.log: ${JSON.stringify(rows)}`);
    assert.match(fd, /^3\s*file .*journal\.log/);
    assert.ok(rows.some((r) => /thread/.test(r)), 'a thread row');
    assert.equal((await rowTexts(snapshots)).filter((r) => /process/.test(r)).length, 0, 'no snapshots of the user\'s yet');
    // The adapter's landmark of the first stop, folded in the Automatic group.
    await until('the Automatic group', async () => (await rowTexts(snapshots)).some((r) => /Automatic\s*1 ·/.test(r)), 15_000);
    await until('the snapshot count in the status bar', async () =>
      (await wb.page.locator('.statusbar-item', { hasText: '1 snapshot' }).count()) > 0, 15_000);
    await screenshot(wb.page, '04-resources');
  });

  test('Save Snapshot, Continue, Restore: back at the breakpoint with the earlier values', async () => {
    await snapshotPass(wb, line);
  });
});

/**
 * The Snapshot Timeline in a real VS Code (code-server) and a real browser (Chromium):
 * with a snapshot saved automatically at every stop, three stops with a snapshot saved
 * by the user at each, a Step Back; the timeline draws the user's snapshots apart from
 * the automatic ones and where the program stands, the Step Back as a branch leaving
 * from the snapshot it went back to; hovering shows a snapshot's details, a click on
 * the first one restores it (the Variables view shows its values again); switched to a
 * dark theme, the page follows; running on draws the new stop on the newest branch.
 * Screenshots go to test/e2e/artifacts/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { screenshot, until } from './browser';
import { notifications } from './snapshotSteps';
import { drawnLanes, drawnMarks, timelineFrame, timelinePane, timelineSummary, waitForMarks, withSnapshotsAtStops } from './timelineSteps';
import type { FrameLocator } from './playwrightTypes';
import {
  clickToolbar, markerLine, openWorkbench, reportTimings, setBreakpoint, snapshotsPane, startDebugging, waitForStopAt, waitForVariable, Workbench,
} from './workbenchFlow';

describe('the Snapshot Timeline in a real VS Code', { timeout: 600_000 }, () => {
  let wb: Workbench;
  let frame: FrameLocator;
  const started = Date.now();
  const line = markerLine('#BP1');

  before(async () => {
    wb = await openWorkbench(withSnapshotsAtStops);
  });

  after(async () => {
    if (!wb) return;
    wb.timings.wholePass = Date.now() - started;
    reportTimings(wb, 'timeline');
    await wb.close();
  });

  /** Save Snapshot on the debug toolbar; waits for the timeline to draw `users` of the user's. */
  async function saveFromToolbar(users: number): Promise<void> {
    await clickToolbar(wb.page, 'Save Snapshot');
    await waitForMarks(frame, `${users} snapshot(s) of the user's`, (m) => m.filter((x) => x.kind === 'user').length === users, 120_000)
      .catch(async (e: Error) => { throw new Error(`${e.message}; notifications: ${(await notifications(wb.page)).join(' | ')}`); });
  }

  test('the timeline shows the session with its first automatic snapshot', async () => {
    await setBreakpoint(wb.page, line);
    await startDebugging(wb, line);
    await waitForVariable(wb.page, 'step', '1');
    await timelinePane(wb.page);
    frame = timelineFrame(wb.page);
    const marks = await waitForMarks(frame, 'the snapshot taken at the first stop', (m) => m.length === 1);
    assert.equal(marks[0].kind, 'auto');
    assert.match(await timelineSummary(frame), /^0 yours\s*1 automatic\s*[\d.]+ (B|KiB|MiB)$/);
    assert.equal((await frame.locator('.here-marker.live .here-text').textContent())?.trim(), 'now, stopped (breakpoint)',
      'the program is live at the end of the run');
  });

  test('three stops and three snapshots of the user\'s, then a Step Back: drawn apart, the program shown where it went', async () => {
    await saveFromToolbar(1);
    for (const step of [2, 3]) {
      await clickToolbar(wb.page, 'Continue');
      await waitForVariable(wb.page, 'step', String(step));
      await waitForStopAt(wb.page, line);
      await saveFromToolbar(step);
    }
    const marks = await waitForMarks(frame, 'three of each kind', (m) => m.length === 6);
    assert.deepEqual(marks.map((m) => m.kind).sort(), ['auto', 'auto', 'auto', 'user', 'user', 'user']);
    assert.equal(await frame.locator('line.stop').count(), 3, 'three stops on the axis');
    await screenshot(wb.page, '21-timeline-three-snapshots');

    await clickToolbar(wb.page, 'Step Back');
    const back = await waitForMarks(frame, 'the program on a snapshot after Step Back', (m) => m.some((x) => x.here), 120_000);
    assert.equal(back.filter((m) => m.here).length, 1);
    assert.equal(await frame.locator('.here-marker.on-snapshot').count(), 1);
    assert.equal(await frame.locator('path.jump').count(), 1, 'the jump back is drawn');
    const lanes = await drawnLanes(frame);
    assert.deepEqual(lanes, [{ row: 0, current: false, fork: false }, { row: 1, current: true, fork: true }],
      'the first run ends at the jump; a branch on a row of its own leaves from the snapshot');
    assert.equal(back.find((m) => m.here)?.row, 0, 'the snapshot gone back to is on the first run');
    assert.match((await frame.locator('#summary').getAttribute('title')) ?? '', /6 snapshots · .* — here: /);
    await screenshot(wb.page, '22-timeline-step-back');
  });

  test('hovering a snapshot shows its details; a click on the first one restores it', async () => {
    const first = frame.locator('svg g.mark.user').first();
    const id = (await first.getAttribute('data-id')) ?? '';
    await first.hover();
    const card = frame.locator('#card');
    await until('the hover card', async () => await card.isVisible(), 10_000);
    const text = (await card.textContent()) ?? '';
    assert.match(text, new RegExp(`${id}[\\s\\S]*saved by you[\\s\\S]*(B|KiB|MiB) · 1 process[\\s\\S]*click to restore`));
    await screenshot(wb.page, '23-timeline-hover');

    const clicked = Date.now();
    await first.click();
    await waitForVariable(wb.page, 'step', '1', 120_000);
    wb.timings.timelineClickToValues = Date.now() - clicked;
    await waitForStopAt(wb.page, line);
    const marks = await waitForMarks(frame, `the program on ${id}`, (m) => m.some((x) => x.here && x.id === id), 60_000);
    assert.ok(marks.find((m) => m.id === id)?.restored, 'and marked as the one restored from');
    await wb.page.mouse.move(700, 300); // off the marks: the card of whatever moved under the pointer goes
    await until('the card to go', async () => !(await frame.locator('#card').isVisible()), 10_000);
    await screenshot(wb.page, '24-timeline-restored-by-click');
    // The Snapshots tree agrees: the same snapshot carries the restored mark. (Expanding it
    // moves the timeline's webview a moment later, hence the screenshot first.)
    const tree = await snapshotsPane(wb.page);
    await until('the restored row in the Snapshots view', async () =>
      (await tree.locator('.monaco-list-row', { hasText: /restored/ }).count()) === 1, 30_000);
    assert.equal((await drawnMarks(frame)).length, 6, 'restoring keeps every snapshot');
  });

  test('it follows the theme: switched to a dark one, the page is drawn dark', async () => {
    assert.equal(await frame.locator('body.vscode-light').count(), 1, 'light to begin with');
    // The theme picker (Ctrl+K Ctrl+T), from the editor: the last click left the focus in the webview.
    await wb.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await wb.page.keyboard.press('Control+K');
    await wb.page.keyboard.press('Control+T');
    const input = wb.page.locator('.quick-input-widget .quick-input-box input');
    await until('the theme picker', async () => /color theme/i.test((await input.getAttribute('placeholder')) ?? ''), 15_000);
    await input.fill('Dark Modern');
    await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Dark Modern' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await input.press('Enter');
    await until('the workbench in the dark theme', async () => (await wb.page.locator('.monaco-workbench.vs-dark').count()) > 0, 30_000);
    await until('the timeline\'s page in the dark theme', async () => (await frame.locator('body.vscode-dark').count()) === 1, 30_000);
    assert.equal((await drawnMarks(frame)).length, 6);
    await screenshot(wb.page, '25-timeline-dark-theme');
  });

  test('running on after going back: the new stop and its snapshot are drawn on the newest branch', async () => {
    const before = new Set((await drawnMarks(frame)).map((m) => m.id));
    await clickToolbar(wb.page, 'Continue');
    await waitForVariable(wb.page, 'step', '2');
    await waitForStopAt(wb.page, line);
    const marks = await waitForMarks(frame, 'the snapshot of the new stop', (m) => m.length === 7);
    const lanes = await drawnLanes(frame);
    assert.equal(lanes.length, 3, `the first run and a branch for each jump back: ${JSON.stringify(lanes)}`);
    const current = lanes.filter((l) => l.current);
    assert.equal(current.length, 1);
    assert.ok(current[0].row > 0 && current[0].fork, 'the program runs on a branch that left from a snapshot');
    const added = marks.filter((m) => !before.has(m.id));
    assert.equal(added.length, 1);
    assert.equal(added[0].kind, 'auto');
    assert.equal(added[0].row, current[0].row, 'the new snapshot sits on the branch the program runs on');
    assert.equal(await frame.locator(`svg line.stop`).count(), 6, 'three stops, two jumps back and the new stop');
    assert.equal((await frame.locator('.here-marker.live').getAttribute('data-row')), String(current[0].row));
    await screenshot(wb.page, '26-timeline-branches');
  });
});

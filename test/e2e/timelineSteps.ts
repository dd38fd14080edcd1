/**
 * The Snapshot Timeline in the real workbench: its webview's page (an iframe inside an
 * iframe), the marks it draws, and a launch.json that also saves a snapshot at every
 * stop, so that the picture holds automatic snapshots beside the user's own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pane, until } from './browser';
import type { FrameLocator, Locator, Page } from './playwrightTypes';

/** Adds `"autoSnapshot": { "atStops": true }` to the workspace copy's launch configuration. */
export function withSnapshotsAtStops(folder: string): void {
  const file = path.join(folder, '.vscode', 'launch.json');
  const launch = JSON.parse(fs.readFileSync(file, 'utf8')) as { configurations: Record<string, unknown>[] };
  launch.configurations[0].autoSnapshot = { atStops: true };
  fs.writeFileSync(file, JSON.stringify(launch, null, 2));
}

/** Expands the Snapshot Timeline view; returns its pane. */
export async function timelinePane(page: Page): Promise<Locator> {
  return pane(page, 'Snapshot Timeline');
}

/** The timeline's own page: the webview's outer frame is VS Code's, the inner one ours. */
export function timelineFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview[src*="checkpoint-debugger"][src*="purpose=webviewView"]').frameLocator('#active-frame');
}

export interface DrawnMark { id: string; kind: 'user' | 'auto'; here: boolean; restored: boolean; label: string; row: number }

/** The snapshot marks drawn now, left to right. */
export async function drawnMarks(frame: FrameLocator): Promise<DrawnMark[]> {
  const marks = frame.locator('svg g.mark');
  const out: DrawnMark[] = [];
  for (let i = 0; i < await marks.count(); i++) {
    const m = marks.nth(i);
    const cls = (await m.getAttribute('class')) ?? '';
    out.push({
      id: (await m.getAttribute('data-id')) ?? '',
      kind: /\buser\b/.test(cls) ? 'user' : 'auto',
      here: /\bhere\b/.test(cls),
      restored: /\brestored\b/.test(cls),
      label: (await m.getAttribute('aria-label')) ?? '',
      row: Number(await m.getAttribute('data-row')),
    });
  }
  return out;
}

/** Waits until the timeline draws marks that `ok` accepts; returns them. */
export async function waitForMarks(frame: FrameLocator, what: string, ok: (marks: DrawnMark[]) => boolean, timeout = 60_000): Promise<DrawnMark[]> {
  let last: DrawnMark[] = [];
  return until(`the timeline to show ${what}`, async () => {
    last = await drawnMarks(frame).catch(() => []);
    return ok(last) ? last : undefined;
  }, timeout).catch((e: Error) => { throw new Error(`${e.message}; drawn: ${JSON.stringify(last)}`); });
}

export async function timelineSummary(frame: FrameLocator): Promise<string> {
  return ((await frame.locator('#summary').textContent()) ?? '').trim();
}

export interface DrawnLane { row: number; current: boolean; fork: boolean }

/** The branches drawn now: each a row, the one the program is on `current`, later ones leaving from a snapshot. */
export async function drawnLanes(frame: FrameLocator): Promise<DrawnLane[]> {
  const lanes = frame.locator('svg g.lane');
  const out: DrawnLane[] = [];
  for (let i = 0; i < await lanes.count(); i++) {
    const l = lanes.nth(i);
    out.push({
      row: Number(await l.getAttribute('data-row')),
      current: /\bcurrent\b/.test((await l.getAttribute('class')) ?? ''),
      fork: (await l.locator('path.jump').count()) === 1,
    });
  }
  return out;
}

/**
 * The steps of a debugging pass in the real workbench, shared by the end-to-end tests:
 * start code-server with the packed extension and Chromium, set a breakpoint on the
 * `#BP1` line of test/workspace/journal.c, F5, and read what the debug views show.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Browser, goToLine, launchBrowser, openFile, pane, rowTexts, screenshot, until, waitForWorkbench } from './browser';
import { ARTIFACTS, CodeServer, copyWorkspace, packageVsix, removeWorkspaceCopy, startCodeServer, WORKSPACE } from './codeServer';
import type { Locator, Page } from './playwrightTypes';

export const SOURCE = 'journal.c';

/** The line of a `#BPn` marker in a workspace source (markers, not hard-coded numbers). */
export function markerLine(marker: string, file = SOURCE): number {
  const lines = fs.readFileSync(path.join(WORKSPACE, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`/* ${marker} */`));
  if (i < 0) throw new Error(`no /* ${marker} */ marker in ${file}`);
  return i + 1;
}

export interface Workbench {
  server: CodeServer;
  browser: Browser;
  page: Page;
  scratch: string;
  /** The private copy of test/workspace that is open. */
  folder: string;
  /** Milliseconds of named steps, reported at the end. */
  timings: Record<string, number>;
  close(): Promise<void>;
}

/** Prints the measured times and keeps them beside the screenshots (reported, never asserted). */
export function reportTimings(wb: Workbench, name: string): void {
  console.log(`${name} timings (ms): ${JSON.stringify(wb.timings)}`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, `${name}-timings.json`), `${JSON.stringify(wb.timings, null, 2)}\n`);
}

/** `prepare` may change the private workspace copy (its launch.json) before it opens. */
export async function openWorkbench(prepare?: (folder: string) => void): Promise<Workbench> {
  const t0 = Date.now();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-e2e-'));
  const timings: Record<string, number> = {};
  const folder = copyWorkspace();
  prepare?.(folder);
  const vsix = packageVsix(path.join(scratch, 'checkpoint-debugger.vsix'));
  timings.packageVsix = Date.now() - t0;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
    removeWorkspaceCopy(folder);
  };
  try {
    server = await startCodeServer({ folder, vsix });
    timings.startCodeServer = Date.now() - t0 - timings.packageVsix;
    browser = await launchBrowser();
    const page = browser.page;
    page.setDefaultTimeout(30_000);
    const t1 = Date.now();
    await page.goto(server.url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await waitForWorkbench(page);
    timings.workbenchReady = Date.now() - t1;
    return { server, browser, page, scratch, folder, timings, close };
  } catch (e) {
    if (browser) await screenshot(browser.page, 'failure-open-workbench').catch(() => undefined);
    await close();
    throw e;
  }
}

/** `name = value` rows of the Variables view, as a map. */
export async function variables(page: Page): Promise<Map<string, string>> {
  const texts = await page.locator('.debug-variables .monaco-list-row').allTextContents();
  const vars = new Map<string, string>();
  for (const t of texts) {
    const m = /^\s*([A-Za-z_]\w*)\s*[=:]\s*(.*?)\s*$/.exec(t.replace(/\s+/g, ' '));
    if (m) vars.set(m[1], m[2]);
  }
  return vars;
}

export async function waitForVariable(page: Page, name: string, value: string, timeout = 60_000): Promise<void> {
  await until(`the Variables view to show ${name} = ${value}`, async () => (await variables(page)).get(name) === value, timeout);
}

/** The top row of the Call Stack view in `file` ("main journal.c 36:1"). */
export async function topFrame(page: Page, file = SOURCE): Promise<string> {
  const rows = (await page.locator('.debug-call-stack .monaco-list-row').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
  // The first row can be the thread; the first frame names the source.
  return rows.find((r) => r.includes(file)) ?? '';
}

export async function waitForStopAt(page: Page, line: number, timeout = 90_000, file = SOURCE): Promise<string> {
  return until(`the program to stop at ${file}:${line}`, async () => {
    const frame = await topFrame(page, file);
    return new RegExp(`${file.replace('.', '\\.')}\\s*${line}:\\d+`).test(frame) ? frame : undefined;
  }, timeout);
}

/** Opens `file` (journal.c), sets a breakpoint on `line` with F9, and checks the gutter shows it. */
export async function setBreakpoint(page: Page, line: number, file = SOURCE): Promise<void> {
  await openFile(page, file);
  await goToLine(page, line);
  await page.keyboard.press('F9');
  await until('a breakpoint glyph in the editor gutter', async () =>
    (await page.locator('.editor-instance .codicon-debug-breakpoint').count()) > 0, 15_000);
}

/** F5 with the workspace's (first) launch configuration, then waits for the breakpoint stop in `file`. */
export async function startDebugging(wb: Workbench, line: number, file = SOURCE): Promise<string> {
  const t = Date.now();
  await wb.page.keyboard.press('F5');
  await wb.page.locator('.debug-toolbar').waitFor({ state: 'visible', timeout: 90_000 });
  const frame = await waitForStopAt(wb.page, line, 90_000, file);
  wb.timings.f5ToStop = Date.now() - t;
  return frame;
}

export async function snapshotsPane(page: Page): Promise<Locator> {
  return pane(page, 'Snapshots');
}

export async function resourcesPane(page: Page): Promise<Locator> {
  return pane(page, 'Resources');
}

/** Rows of the Resources view: waits until it shows at least one process (`vpid → pid`). */
export async function resourceRows(page: Page): Promise<string[]> {
  const p = await resourcesPane(page);
  return until('a process row (vpid → pid) in the Resources view', async () => {
    const rows = await rowTexts(p);
    return rows.some((r) => /^\d+ → \d+/.test(r)) ? rows : undefined;
  }, 30_000);
}

export async function clickToolbar(page: Page, label: string): Promise<void> {
  await page.locator(`.debug-toolbar .action-label[aria-label^="${label}"]`).first().click();
}

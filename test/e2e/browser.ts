/**
 * Debian's Chromium driven by playwright-core, and the few workbench gestures the
 * tests make: wait for the workbench, run a palette command, open a file, go to a
 * line, expand a view, read a view's rows, take a screenshot.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ARTIFACTS, E2E_MODULES } from './codeServer';
import type { BrowserContext, Locator, Page, PlaywrightCore } from './playwrightTypes';

export const CHROMIUM = '/usr/bin/chromium';

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pw = require(path.join(E2E_MODULES, 'playwright-core')) as PlaywrightCore;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-chromium-'));
  const context = await pw.chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    timeout: 60_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  return {
    context,
    page,
    close: async () => {
      await context.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export async function waitForWorkbench(page: Page, timeout = 90_000): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout });
  await page.locator('.statusbar').waitFor({ state: 'visible', timeout });
}

/** Waits until `check` returns true (polling), or fails naming what was awaited. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeout = 60_000, interval = 100): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Runs a command from the palette by its title ("Category: Title" as the palette shows it). */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await input.press('Enter');
}

export async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(name);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible', timeout: 15_000 });
  await input.press('Enter');
  await page.locator(`.tabs-container .tab[aria-label*="${name}"]`).first().waitFor({ state: 'visible', timeout: 15_000 });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ state: 'visible', timeout: 15_000 });
}

export async function goToLine(page: Page, line: number): Promise<void> {
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(`:${line}`);
  await input.press('Enter');
  await until(`the cursor on line ${line}`, async () => {
    const text = await page.locator('.statusbar-item[id="status.editor.selection"]').first().textContent();
    return text !== null && text.includes(`Ln ${line},`);
  }, 15_000);
}

/** The pane (view) in the side bar whose header has this title; expanded when asked. */
export async function pane(page: Page, title: string, expand = true): Promise<Locator> {
  const header = page.locator('.pane-header', { hasText: new RegExp(`^\\s*${title}`, 'i') }).first();
  await header.waitFor({ state: 'visible', timeout: 30_000 });
  // A command may be expanding the view at the same moment (a view's focus command
  // does): click only while it stays collapsed, and check again after each click.
  for (let attempt = 0; expand && attempt < 5; attempt++) {
    const expanded = async () => (await header.getAttribute('aria-expanded')) === 'true';
    if (await expanded()) break;
    await new Promise((r) => setTimeout(r, 300));
    if (await expanded()) break;
    await header.click();
    try {
      await until(`the ${title} view to expand`, expanded, 3_000);
      break;
    } catch (e) {
      if (attempt === 4) throw e;
    }
  }
  return page.locator('.pane', { has: header });
}

/** The text of every visible row of a pane, one string each. */
export async function rowTexts(paneLocator: Locator): Promise<string[]> {
  return (await paneLocator.locator('.monaco-list-row').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
}

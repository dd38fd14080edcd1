/**
 * Runs an extension-host test suite (test/ext/suite) inside code-server's extension
 * host: the workbench URL's payload loads the extension from this repository
 * (extensionDevelopmentPath) and the suite (extensionTestsPath), the way
 * @vscode/test-electron would. The page reports the exit code through
 * `codeAutomationExit`; the suite writes its per-case results to a JSON file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { launchBrowser, screenshot, until } from './browser';
import { copyWorkspace, removeWorkspaceCopy, REPO_ROOT, startCodeServer } from './codeServer';

export interface SuiteOutcome {
  exitCode: number;
  results: { name: string; ok: boolean; ms: number; error?: string; figures?: Record<string, number> }[];
  log: string[];
  ms: number;
}

export async function runExtensionHostSuite(entry: string, screenshotName: string): Promise<SuiteOutcome> {
  const t0 = Date.now();
  const folder = copyWorkspace();
  const resultsFile = path.join(path.dirname(folder), 'results.json');
  const server = await startCodeServer({ folder, env: { CKPT_EXT_TEST_RESULTS: resultsFile } });
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  const log: string[] = [];
  try {
    browser = await launchBrowser();
    const page = browser.page;
    let exitCode: number | undefined;
    await page.exposeFunction('codeAutomationLog', ((type: string, args: unknown[]) => {
      log.push(`${type}: ${Array.isArray(args) ? args.map((a) => String(a)).join(' ') : String(args)}`);
    }) as (...a: never[]) => unknown);
    await page.exposeFunction('codeAutomationExit', ((code: number) => { exitCode = code; }) as (...a: never[]) => unknown);
    const ext = `vscode-remote://remote${REPO_ROOT}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', ext],
      ['extensionTestsPath', `${ext}/${entry}`],
    ]);
    await page.goto(`${server.base}?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(payload)}`,
      { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await until('the extension-host suite to finish', async () => exitCode !== undefined, 480_000, 250);
    await screenshot(page, screenshotName).catch(() => undefined);
    const results = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')).results : [];
    return { exitCode: exitCode as number, results, log, ms: Date.now() - t0 };
  } catch (e) {
    if (browser) await screenshot(browser.page, `${screenshotName}-failure`).catch(() => undefined);
    throw new Error(`${e instanceof Error ? e.message : String(e)}\nsuite output:\n${log.join('\n')}\ncode-server:\n${server.log().slice(-3000)}`);
  } finally {
    await browser?.close();
    await server.stop();
    removeWorkspaceCopy(folder);
  }
}

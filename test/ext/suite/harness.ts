/**
 * A small test runner for inside the extension host (node:test cannot run there):
 * runs cases in order, prints TAP-like lines, writes the results as JSON to
 * $CKPT_EXT_TEST_RESULTS when set, and rejects when any case failed, which makes
 * the extension host report a failing exit code.
 */
import * as fs from 'node:fs';

/** A case; one that measures returns its figures, kept with its result. */
export interface Case { name: string; fn: () => Promise<void | Record<string, number>> }
export interface CaseResult { name: string; ok: boolean; ms: number; error?: string; figures?: Record<string, number> }

export async function runCases(suite: string, cases: Case[], cleanup?: () => Promise<void>): Promise<void> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    const t = Date.now();
    try {
      const figures = await c.fn();
      results.push({ name: c.name, ok: true, ms: Date.now() - t, ...(figures ? { figures } : {}) });
      console.log(`ok ${results.length} - ${suite}: ${c.name}`);
    } catch (e) {
      const error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
      results.push({ name: c.name, ok: false, ms: Date.now() - t, error });
      console.log(`not ok ${results.length} - ${suite}: ${c.name}\n${error}`);
    }
  }
  if (cleanup) {
    try { await cleanup(); } catch (e) { console.log(`cleanup failed: ${String(e)}`); }
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  const out = process.env.CKPT_EXT_TEST_RESULTS;
  if (out) fs.writeFileSync(out, JSON.stringify({ suite, results }, null, 2));
  if (failed > 0) throw new Error(`${failed} of ${results.length} extension-host tests failed`);
}

export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeout = 60_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

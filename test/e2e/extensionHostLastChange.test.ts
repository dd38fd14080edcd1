/**
 * The extension-host suite of Find Last Change (test/ext/suite/lastChange.ts)
 * inside a real code-server extension host, against a real debug session.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runExtensionHostSuite } from './extensionHostRunner';

test('extension-host Find Last Change suite in code-server', { timeout: 600_000 }, async (t) => {
  const outcome = await runExtensionHostSuite('out/test/ext/suite/lastChange.js', '12-extension-host-last-change');
  console.log(`extension-host Find Last Change suite: exit ${outcome.exitCode}, ${outcome.results.length} cases, ${outcome.ms} ms`);
  assert.ok(outcome.results.length > 0, `the suite reported no cases:\n${outcome.log.join('\n')}`);
  for (const r of outcome.results) {
    await t.test(r.name, () => {
      assert.ok(r.ok, r.error);
    });
  }
  assert.equal(outcome.exitCode, 0, `the extension host exited with ${outcome.exitCode}:\n${outcome.log.join('\n')}`);
});

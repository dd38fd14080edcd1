/**
 * The extension-host suite of the snapshot commands (test/ext/suite/snapshots.ts)
 * inside a real code-server extension host, against a real debug session: save,
 * rename, inspect, restore, delete. Each suite case is reported as a subtest.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runExtensionHostSuite } from './extensionHostRunner';

test('extension-host snapshot suite in code-server', { timeout: 600_000 }, async (t) => {
  const outcome = await runExtensionHostSuite('out/test/ext/suite/snapshots.js', '11-extension-host-snapshots');
  console.log(`extension-host snapshot suite: exit ${outcome.exitCode}, ${outcome.results.length} cases, ${outcome.ms} ms`);
  assert.ok(outcome.results.length > 0, `the suite reported no cases:\n${outcome.log.join('\n')}`);
  for (const r of outcome.results) {
    await t.test(r.name, () => {
      assert.ok(r.ok, r.error);
    });
  }
  assert.equal(outcome.exitCode, 0, `the extension host exited with ${outcome.exitCode}:\n${outcome.log.join('\n')}`);
});

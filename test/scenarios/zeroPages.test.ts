/**
 * Zero pages take no space: a program that touched 132 MiB, 128 of them
 * zeros, is saved in an image of a few MiB and gets every byte back.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { engineMissing, withRun } from './harness';
import { compileScenario } from './compileScenario';

test('pages of zeros are not saved and come back as zeros', { timeout: 5 * 60_000 }, async () => {
  const missing = engineMissing();
  if (missing) assert.fail(`the engine is not built: ${missing}`);
  const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-zero-bin-'));
  try {
    const bin = await compileScenario('zero_pages', binDir);
    await withRun(async (run) => {
      const work = run.tempDir('ckpt-zero-');
      const dir = path.join(work, 'ckpt');
      const go = path.join(work, 'go');
      const launch = run.launch(dir, bin, [go, work]);
      await launch.waitForLine(/^ready$/);
      const id = await run.checkpointKill(dir, launch);
      await launch.waitExit();
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'snapshots', id, 'manifest.json'), 'utf8'));
      const bytes = manifest.processes[0].bytes as number;
      assert.ok(bytes < 24 << 20, `the image holds ${bytes} bytes: the zero pages were saved`);
      const restart = run.restart(dir, id);
      fs.writeFileSync(go, '');
      const at = await restart.waitForLine(/^(PASS|FAIL)/);
      assert.equal(restart.lines[at], 'PASS', restart.describe());
      assert.equal((await restart.waitExit()).code, 0, restart.describe());
    });
  } finally {
    fs.rmSync(binDir, { recursive: true, force: true });
  }
});

/**
 * Zero pages take no space: a program that touched 132 MiB, 128 of them
 * zeros, is saved in an image of a few MiB and gets every byte back.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withRun } from './harness';
import { launchUntilReady, restartPasses, withScenarioBinary } from './goScenario';

test('pages of zeros are not saved and come back as zeros', { timeout: 5 * 60_000 }, () =>
  withScenarioBinary('zero_pages', (bin) =>
    withRun(async (run) => {
      const { dir, go, launch } = await launchUntilReady(run, bin, 'ckpt-zero-');
      const id = await run.checkpointKill(dir, launch);
      await launch.waitExit();
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'snapshots', id, 'manifest.json'), 'utf8'));
      const bytes = manifest.processes[0].bytes as number;
      assert.ok(bytes < 24 << 20, `the image holds ${bytes} bytes: the zero pages were saved`);
      await restartPasses(run, dir, id, go);
    })));

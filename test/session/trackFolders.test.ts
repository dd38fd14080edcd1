/**
 * `"trackFolders"` in a launch configuration: checked like the command line's
 * `--track` (each an existing folder, as its real path, relative to "cwd"), and
 * handed to the coordinator that the engine launcher opens, whose snapshots
 * then hold those folders' contents (test/scenarios/programFiles.test.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineLauncher, engineLauncherFactory } from '../../adapter/session/engineLauncher';
import { checkLaunch } from '../../adapter/session/programChecks';
import { Programs } from '../fixtures/dapHarness';
import { tempDir } from '../fixtures/harness';

const programs = new Programs();
let basic: string;

before(() => { basic = programs.build('basic'); });
after(() => programs.dispose());

test('"trackFolders" must name existing folders, and is resolved against "cwd" to real paths', (t) => {
  const work = fs.realpathSync(tempDir('ckpt-track-launch-'));
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));
  fs.mkdirSync(path.join(work, 'out'));
  fs.writeFileSync(path.join(work, 'file'), '');
  assert.deepEqual(checkLaunch({ program: basic, cwd: work, trackFolders: ['out', './out', `${work}/out`] }).trackFolders, [path.join(work, 'out')]);
  assert.deepEqual(checkLaunch({ program: basic, cwd: work }).trackFolders, []);
  assert.throws(() => checkLaunch({ program: basic, cwd: work, trackFolders: ['gone'] }), /^LaunchError: "trackFolders": cannot track gone: .*no such file or directory/);
  assert.throws(() => checkLaunch({ program: basic, cwd: work, trackFolders: ['file'] }), /"trackFolders": cannot track file: it is not a folder/);
  assert.throws(() => checkLaunch({ program: basic, cwd: work, trackFolders: 'out' }), /"trackFolders" must be a list of folders/);
});

test('the engine launcher gives the coordinator the folders to track', async (t) => {
  const work = fs.realpathSync(tempDir('ckpt-track-launcher-'));
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));
  const out = path.join(work, 'out');
  fs.mkdirSync(out);
  const launcher = await engineLauncherFactory({ program: basic, cwd: work, baseEnv: {}, snapshotDir: path.join(work, '.ckpt'), trackFolders: [out] }, true);
  try {
    assert.ok(launcher instanceof EngineLauncher, launcher.notice);
    assert.deepEqual(launcher.coordinator.trackFolders, [out]);
  } finally {
    await launcher.dispose();
  }
});

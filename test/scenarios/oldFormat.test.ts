/**
 * Images of format 3, the format before one record per fd kind: a snapshot
 * of a scenario program is written by today's engine, its images rewritten
 * with their fd records as format 3's flat ones (test/fuzz/craft.c `flat`),
 * and the restart must continue the program as from the original. The
 * inspector must show the same fds for both.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { engineMissing, NATIVE_BUILD, REPO, withRun } from './harness';
import { scenarioBinaries } from './compileScenario';

const TEST_MS = 5 * 60_000;
const binary = scenarioBinaries('ckpt-oldfmt-bin-');
const INSPECT = path.join(NATIVE_BUILD, 'ckpt-inspect');

interface Inspected {
  format: number;
  fds: unknown[];
}

function inspect(image: string): Inspected {
  return JSON.parse(execFileSync(INSPECT, [image], { encoding: 'utf8' })) as Inspected;
}

/** The snapshot's images, found under the computation's folder. */
function imagesOf(dir: string, id: string): string[] {
  const snap = path.join(dir, 'snapshots', id);
  const images = fs.readdirSync(snap).filter((f) => f.endsWith('.img')).map((f) => path.join(snap, f));
  assert.ok(images.length > 0, `the snapshot has images: ${fs.readdirSync(snap).join(' ')}`);
  return images;
}

/** Kinds of fd in each scenario: socket pairs (stream and datagram), a TCP
 * connection and listener, a pseudo-terminal pair, anonymous-inode fds,
 * pipes, dups, files. */
const SCENARIOS = ['fd_kinds', 'socketpair', 'tcp_ports', 'pty_pair'];

for (const name of SCENARIOS) {
  test(`scenario ${name} restarts from images of format 3`, { timeout: TEST_MS }, async () => {
    const missing = engineMissing();
    if (missing) assert.fail(`the engine is not built: ${missing}`);
    const bin = await binary(name);
    await withRun(async (run) => {
      const work = run.tempDir(`ckpt-oldfmt-${name}-`);
      const craft = path.join(work, 'craft');
      execFileSync('gcc', ['-O1', '-g', '-o', craft, path.join(REPO, 'test', 'fuzz', 'craft.c')]);
      const dir = path.join(work, 'ckpt');
      const go = path.join(work, 'go');
      const launch = run.launch(dir, bin, [go, work]);
      await launch.waitForLine(/^ready$/);
      const id = await run.checkpointKill(dir, launch);
      await launch.waitExit();

      for (const image of imagesOf(dir, id)) {
        const now = inspect(image);
        assert.equal(now.format, 4);
        execFileSync(craft, ['flat', image, image]);
        const old = inspect(image);
        assert.equal(old.format, 3);
        assert.deepEqual(old.fds, now.fds, `${path.basename(image)}: the same fds from the flat records`);
      }

      // the program waits for `go` in the loop it is restored into
      const restart = run.restart(dir, id);
      fs.writeFileSync(go, '');
      const at = await restart.waitForLine(/^(PASS|FAIL)/);
      const exit = await restart.waitExit();
      assert.equal(restart.lines[at], 'PASS', `${name}: ${restart.lines[at]}\n${restart.describe()}`);
      assert.equal(exit.code, 0, restart.describe());
    });
  });
}

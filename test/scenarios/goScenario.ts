/**
 * Scenario programs that get ready, wait for a `go` file, then check their own
 * state and print PASS or FAIL (forked_writer.c, zero_pages.c, raw_advice.c):
 * built once per test, launched until ready, restarted until their verdict.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileScenario } from './compileScenario';
import { engineMissing, LineProcess, Run } from './harness';

/** Builds scenario `name` (the test fails if the engine is not built) for `body`; removed afterwards. */
export async function withScenarioBinary<T>(name: string, body: (bin: string) => Promise<T>): Promise<T> {
  const missing = engineMissing();
  if (missing) assert.fail(`the engine is not built: ${missing}`);
  const binDir = fs.mkdtempSync(path.join(os.tmpdir(), `ckpt-${name}-bin-`));
  try {
    return await body(await compileScenario(name, binDir));
  } finally {
    fs.rmSync(binDir, { recursive: true, force: true });
  }
}

export interface GoLaunch {
  /** The computation's directory. */
  dir: string;
  /** The file whose creation lets the program check itself. */
  go: string;
  launch: LineProcess;
}

/** `ckpt launch` of `bin GO WORK`, until it prints `ready`. */
export async function launchUntilReady(run: Run, bin: string, prefix: string): Promise<GoLaunch> {
  const work = run.tempDir(prefix);
  const dir = path.join(work, 'ckpt');
  const go = path.join(work, 'go');
  const launch = run.launch(dir, bin, [go, work]);
  await launch.waitForLine(/^ready$/);
  return { dir, go, launch };
}

/**
 * Restarts snapshot `id`, lets it check itself (once `before` has seen it
 * run, if given) and expects PASS and a clean exit.
 */
export async function restartPasses(run: Run, dir: string, id: string, go: string, before?: RegExp): Promise<void> {
  const restart = run.restart(dir, id);
  if (before) await restart.waitForLine(before);
  fs.writeFileSync(go, '');
  const at = await restart.waitForLine(/^(PASS|FAIL)/);
  assert.equal(restart.lines[at], 'PASS', restart.describe());
  assert.equal((await restart.waitExit()).code, 0, restart.describe());
}

/** Builds a scenario program from test/scenarios/NAME.c with the flags the suite uses. */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';
import { SCENARIO_SRC } from './harness';

export const CFLAGS = ['-O1', '-g', '-pthread'];

export function compileScenario(name: string, outDir: string, src = path.join(SCENARIO_SRC, `${name}.c`)): Promise<string> {
  const bin = path.join(outDir, name);
  return new Promise((resolve, reject) => {
    execFile('gcc', [...CFLAGS, '-o', bin, src, '-lm'], { timeout: 120_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`gcc could not build ${path.relative(SCENARIO_SRC, src)}: ${err.message}\n${stderr}`));
      else resolve(bin);
    });
  });
}

/**
 * For a test file: its scenario programs, each built once on first use into a
 * folder of the file's own (made before its tests, removed after them).
 */
export function scenarioBinaries(prefix: string): (name: string) => Promise<string> {
  let binDir = '';
  const built = new Map<string, Promise<string>>();
  before(() => {
    binDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  after(() => {
    if (binDir) fs.rmSync(binDir, { recursive: true, force: true });
  });
  return (name) => {
    let p = built.get(name);
    if (!p) {
      p = compileScenario(name, binDir);
      built.set(name, p);
    }
    return p;
  };
}

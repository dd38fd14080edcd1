/** Builds a scenario program from test/scenarios/NAME.c with the flags the suite uses. */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
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

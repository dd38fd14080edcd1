/**
 * Builds a debuggable program from one C or C++ source file: `gcc -g -O0` (g++ for C++).
 * No `vscode` here: the extension turns a BuildError into a message box.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

export class BuildError extends Error {}

const C_EXT = new Set(['.c']);
const CXX_EXT = new Set(['.cc', '.cpp', '.cxx', '.c++', '.C']);

export function isBuildableSource(file: string): boolean {
  const ext = path.extname(file);
  return C_EXT.has(ext) || CXX_EXT.has(ext);
}

/** Where the program built from `source` goes: beside it, without the extension. */
export function programFor(source: string): string {
  return path.join(path.dirname(source), path.basename(source, path.extname(source)));
}

export interface BuildResult { program: string; compiler: string; output: string }

export function buildProgram(source: string, program = programFor(source), compilerOverride?: string): Promise<BuildResult> {
  if (!isBuildableSource(source)) {
    return Promise.reject(new BuildError(`${path.basename(source)} is not a C or C++ source file (.c, .cc, .cpp, .cxx)`));
  }
  const compiler = compilerOverride ?? (C_EXT.has(path.extname(source)) ? 'gcc' : 'g++');
  const args = ['-g', '-O0', '-o', program, source];
  if (compiler === 'gcc') args.push('-pthread');
  return new Promise((resolve, reject) => {
    let output = '';
    let child;
    try {
      child = spawn(compiler, args, { cwd: path.dirname(source), stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      reject(new BuildError(`could not run ${compiler}: ${(e as Error).message}`));
      return;
    }
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        reject(new BuildError(`${compiler} was not found on PATH; install it (on Debian: apt-get install ${compiler === 'g++' ? 'g++' : 'gcc'}) to build ${path.basename(source)}`));
      } else {
        reject(new BuildError(`could not run ${compiler}: ${e.message}`));
      }
    });
    child.on('close', (code) => {
      if (code === 0) {
        resolve({ program, compiler, output });
      } else {
        const first = output.split('\n').filter((l) => /error/.test(l)).slice(0, 3).join('; ') ||
          output.trim().split('\n').slice(0, 3).join('; ');
        reject(new BuildError(`${compiler} could not build ${path.basename(source)} (exit ${code}): ${first}`));
      }
    });
  });
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CkptError } from './ckptError';

/** Absolute paths of the native engine's three build products. */
export interface NativePaths {
  /** The preload library (`libckpt.so`). */
  lib: string;
  /** The restorer (`ckpt-restore`). */
  restore: string;
  /** The image inspector (`ckpt-inspect`). */
  inspect: string;
  /** Open MPI's launcher agent for jobs across hosts (`ckpt-rsh`). */
  rsh: string;
}

/**
 * The package root. Compiled code lives in `out/adapter/engine/`, sources in
 * `adapter/engine/` (when run through a TypeScript loader): walk up to the
 * directory that holds package.json rather than counting levels.
 */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'native'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new CkptError(`cannot find the package root above ${__dirname}`);
    dir = parent;
  }
}

export function nativeBuildDir(): string {
  return path.join(packageRoot(), 'native', 'build');
}

/** The paths, whether or not the files exist yet. */
export function nativePathsUnchecked(): NativePaths {
  const build = nativeBuildDir();
  return {
    lib: path.join(build, 'libckpt.so'),
    restore: path.join(build, 'ckpt-restore'),
    inspect: path.join(build, 'ckpt-inspect'),
    rsh: path.join(build, 'ckpt-rsh'),
  };
}

/** The paths; throws naming the first missing file. */
export function nativePaths(): NativePaths {
  const paths = nativePathsUnchecked();
  for (const file of [paths.lib, paths.restore, paths.inspect]) requireNativeFile(file);
  return paths;
}

export function requireNativeFile(file: string): string {
  if (!fs.existsSync(file)) {
    throw new CkptError(`the checkpoint engine is not built: ${file} is missing (run \`npm run build\`)`);
  }
  return file;
}

import { ChildProcess, spawn, StdioOptions } from 'node:child_process';
import { CkptError, errnoCode } from './ckptError';
import { leakedFds } from '../util/fds';

export { leakedFds };

export interface CleanSpawnOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
  stdio: StdioOptions;
  /** LD_PRELOAD for the program itself (not for the shell that may start it). */
  preload?: string;
  /** argv[0] as the program sees it (default: `file`). */
  argv0?: string;
}

/**
 * Spawns a program of the computation with only the fds it is given. Stray
 * inherited fds would become part of the program's state (a pipe to nowhere it
 * cannot be checkpointed with), so when there are any, the program is started
 * through bash, which closes them and then execs it in place (same pid).
 */
export function cleanSpawn(file: string, args: string[], options: CleanSpawnOptions): ChildProcess {
  const stdioCount = Array.isArray(options.stdio) ? Math.max(3, options.stdio.length) : 3;
  const leaked = leakedFds(stdioCount);
  const env: NodeJS.ProcessEnv = { ...options.env };
  if (leaked.length === 0) {
    if (options.preload !== undefined) env.LD_PRELOAD = options.preload;
    return spawn(file, args, { cwd: options.cwd, env, stdio: options.stdio, argv0: options.argv0 });
  }
  // bash must not load the engine itself: the preload is set only on the exec.
  delete env.LD_PRELOAD;
  const closes = leaked.map((fd) => `exec ${fd}>&-`).join('; ');
  let script = `${closes}; f=$0; a=$1; shift; `;
  const preload = options.preload ?? options.env.LD_PRELOAD;
  if (preload !== undefined) {
    env.CKPT_EXEC_PRELOAD = preload;
    script += 'p=$CKPT_EXEC_PRELOAD; unset CKPT_EXEC_PRELOAD; LD_PRELOAD=$p exec -a "$a" "$f" "$@"';
  } else {
    script += 'exec -a "$a" "$f" "$@"';
  }
  return spawn('/bin/bash', ['--norc', '--noprofile', '-c', script, file, options.argv0 ?? file, ...args], {
    cwd: options.cwd,
    env,
    stdio: options.stdio,
  });
}

/** Resolves once `child` runs; rejects with a message naming `program` when it could not be started. */
export function spawned(child: ChildProcess, program: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (err) => {
      const code = errnoCode(err);
      if (code === 'ENOENT') reject(new CkptError(`cannot run ${program}: no such file (or not found on PATH)`));
      else if (code === 'EACCES') reject(new CkptError(`cannot run ${program}: permission denied (is it executable?)`));
      else reject(new CkptError(`cannot run ${program}: ${err.message}`));
    });
  });
}

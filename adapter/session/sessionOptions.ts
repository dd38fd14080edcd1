/**
 * How sessions are put together in production: which launcher starts the
 * program, and who answers the `ckpt/*` requests.
 */
import type { CkptDebugSessionOptions } from './ckptDebugSession';
import { plainLauncherFactory } from './programLauncher';

export function createSessionOptions(): CkptDebugSessionOptions {
  return { launcherFactory: plainLauncherFactory };
}

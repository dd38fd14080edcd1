/**
 * How sessions are put together in production: the program runs under the
 * checkpoint engine when it is built, and the engine's coordinator (ours, or
 * the one of a `ckpt launch` attached to) keeps the snapshots.
 */
import type { CkptDebugSessionOptions } from './ckptDebugSession';
import { EngineLauncher, engineLauncherFactory } from './engineLauncher';
import { OwnCoordinator, RemoteComputation } from './computation';

export function createSessionOptions(): CkptDebugSessionOptions {
  return {
    launcherFactory: engineLauncherFactory,
    launchedComputation: (launcher) => launcher instanceof EngineLauncher ? new OwnCoordinator(launcher.coordinator) : undefined,
    attachedComputation: (dir) => new RemoteComputation(dir),
  };
}

/**
 * How sessions are put together in production: the program runs under the
 * checkpoint engine when it is built, and the engine's coordinator answers the
 * `ckpt/*` requests.
 */
import type { CkptDebugSessionOptions } from './ckptDebugSession';
import { EngineLauncher, engineLauncherFactory } from './engineLauncher';
import { SnapshotRequests } from './snapshotRequests';
import { OwnCoordinator, RemoteComputation } from './computation';

export function createSessionOptions(): CkptDebugSessionOptions {
  return {
    launcherFactory: engineLauncherFactory,
    customRequests: ({ launcher, session, autoSnapshot }) => launcher instanceof EngineLauncher
      ? new SnapshotRequests(new OwnCoordinator(launcher.coordinator), session, (event, body) => session.sendCustomEvent(event, body), autoSnapshot)
      : undefined,
    attachRequests: ({ dir, session }) =>
      new SnapshotRequests(new RemoteComputation(dir), session, (event, body) => session.sendCustomEvent(event, body)),
  };
}

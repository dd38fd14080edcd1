/**
 * Starting the program under the checkpoint engine: a coordinator listens in
 * the snapshot directory and the program gets the engine's preload library and
 * socket through gdb's exec wrapper.
 */
import { Coordinator, CkptError, nativePaths } from '../engine';
import { LaunchContext, LauncherFactory, PlainLauncher, ProgramLauncher } from './programLauncher';
import { LaunchError } from './programChecks';

export class EngineLauncher implements ProgramLauncher {
  readonly description = 'checkpoint engine';

  constructor(readonly coordinator: Coordinator) {}

  async programEnvironment(ctx: LaunchContext): Promise<Record<string, string>> {
    this.coordinator.forgetReplayLogs();
    return this.coordinator.engineEnv(ctx.baseEnv);
  }

  async dispose(): Promise<void> {
    await this.coordinator.close();
  }
}

/**
 * Uses the engine when it is built. Without it, or when the default snapshot
 * directory cannot be used, the program is debugged without snapshots and the
 * launcher says why; a snapshot directory the user chose must work.
 */
export const engineLauncherFactory: LauncherFactory = async (ctx: LaunchContext, explicitSnapshotDir?: boolean) => {
    if (!ctx.snapshotDir) return new PlainLauncher();
    try {
      nativePaths();
    } catch (err) {
      return new PlainLauncher(`Snapshots are off: ${messageOf(err)}`);
    }
    try {
      const coordinator = await Coordinator.open(ctx.snapshotDir);
      coordinator.trackFolders = ctx.trackFolders ?? [];
      coordinator.record = ctx.deterministicReplay !== false;
      return new EngineLauncher(coordinator);
    } catch (err) {
      if (explicitSnapshotDir) throw new LaunchError(`"snapshotDir": ${messageOf(err)}`);
      return new PlainLauncher(`Snapshots are off: ${messageOf(err)}`);
    }
};

function messageOf(err: unknown): string {
  return err instanceof CkptError || err instanceof Error ? err.message : String(err);
}

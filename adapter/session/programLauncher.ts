/**
 * Where the program is started: the one place that decides what surrounds it.
 * A plain launch adds nothing; a launch under the checkpoint engine adds the
 * engine's preload library and socket to the program's environment.
 */

export interface LaunchContext {
  program: string;
  cwd: string;
  /** The environment the program would get without the launcher (user env applied). */
  baseEnv: Readonly<Record<string, string | undefined>>;
  snapshotDir?: string;
  /** Folders whose whole contents travel with the snapshots. */
  trackFolders?: string[];
  /** Clock and random values recorded, and read back when going back (default true). */
  deterministicReplay?: boolean;
}

export interface ProgramLauncher {
  /** A short name for messages: "plain", "checkpoint engine". */
  readonly description: string;
  /** Something the user should know about how the program is run (shown once). */
  readonly notice?: string;
  /**
   * Variables for the program's own environment only. They are applied by gdb's
   * exec wrapper (`env NAME=VALUE ... program`), so the shell gdb starts the
   * program with does not get them (a preload library must not load into it).
   */
  programEnvironment(ctx: LaunchContext): Promise<Record<string, string>>;
  /** Releases what the launcher holds (sockets, coordinator). */
  dispose(): Promise<void>;
}

export class PlainLauncher implements ProgramLauncher {
  readonly description = 'plain';
  constructor(readonly notice?: string) {}
  async programEnvironment(): Promise<Record<string, string>> { return {}; }
  async dispose(): Promise<void> { /* nothing held */ }
}

/** `explicitSnapshotDir`: the user chose the directory (so it must work). */
export type LauncherFactory = (ctx: LaunchContext, explicitSnapshotDir?: boolean) => Promise<ProgramLauncher>;

export const plainLauncherFactory: LauncherFactory = async () => new PlainLauncher();

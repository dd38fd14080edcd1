/**
 * The launch configuration's own gdb setup: `setupCommands` (gdb commands run
 * before the program is loaded, as the C/C++ extension's of that name) and
 * `sourceFileMap` (where sources built elsewhere are found here: gdb's
 * `set substitute-path`). Checked before gdb starts, so that a typo is named
 * before anything runs.
 */
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import { LaunchError } from './programChecks';

export interface SetupCommand {
  text: string;
  /** Shown instead of the text when the command fails. */
  description?: string;
  /** A failure is noted in the debug console and the session goes on. */
  ignoreFailures?: boolean;
}

export interface GdbSetup {
  commands: SetupCommand[];
  /** Build-time source directory → its place on this machine, in the order given. */
  sourceFileMap: [from: string, to: string][];
}

export const NO_GDB_SETUP: GdbSetup = { commands: [], sourceFileMap: [] };

function setupCommandOf(entry: unknown, i: number): SetupCommand {
  const name = `"setupCommands[${i}]"`;
  if (typeof entry === 'string') {
    if (entry.trim() === '') throw new LaunchError(`${name} is empty: give a gdb command.`);
    return { text: entry };
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new LaunchError(`${name} must be a gdb command: a string, or { "text": "...", "description": "...", "ignoreFailures": false }.`);
  }
  const { text, description, ignoreFailures } = entry as Record<string, unknown>;
  if (typeof text !== 'string' || text.trim() === '') throw new LaunchError(`${name}.text must be a non-empty string (the gdb command).`);
  if (description !== undefined && typeof description !== 'string') throw new LaunchError(`${name}.description must be a string.`);
  if (ignoreFailures !== undefined && typeof ignoreFailures !== 'boolean') throw new LaunchError(`${name}.ignoreFailures must be true or false.`);
  return { text, description, ignoreFailures };
}

/** Checks `setupCommands` and `sourceFileMap` of a launch or attach configuration. */
export function checkGdbSetup(args: { setupCommands?: unknown; sourceFileMap?: unknown }): GdbSetup {
  const { setupCommands, sourceFileMap } = args;
  if (setupCommands !== undefined && !Array.isArray(setupCommands)) throw new LaunchError('"setupCommands" must be a list of gdb commands.');
  const commands = (setupCommands ?? []).map(setupCommandOf);
  if (sourceFileMap !== undefined && (typeof sourceFileMap !== 'object' || sourceFileMap === null || Array.isArray(sourceFileMap))) {
    throw new LaunchError('"sourceFileMap" must map each directory the program was built in to where its sources are here: { "/build/src": "${workspaceFolder}" }.');
  }
  const map: [string, string][] = [];
  for (const [from, to] of Object.entries((sourceFileMap ?? {}) as Record<string, unknown>)) {
    if (from === '') throw new LaunchError('"sourceFileMap" has an empty directory name.');
    if (typeof to !== 'string' || to === '') throw new LaunchError(`"sourceFileMap.${from}" must be a non-empty string (the directory here).`);
    map.push([from, to]);
  }
  return { commands, sourceFileMap: map };
}

/** A word for gdb's argument splitter (buildargv): double quotes, with \ and " escaped. */
function gdbWord(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Runs the setup in gdb: the source map first, then the commands in order. */
export async function applyGdbSetup(gdb: MiConnection, setup: GdbSetup, note: (text: string) => void): Promise<void> {
  for (const [from, to] of setup.sourceFileMap) {
    await mi.consoleCommand(gdb, `set substitute-path ${gdbWord(from)} ${gdbWord(to)}`).catch((err: Error) => {
      throw new LaunchError(`"sourceFileMap.${from}": ${err.message}`);
    });
  }
  for (const [i, command] of setup.commands.entries()) {
    try {
      // An MI command (`-enable-pretty-printing`) goes as it is; anything else is a console command.
      if (command.text.trimStart().startsWith('-')) await gdb.send(command.text.trim());
      else await mi.consoleCommand(gdb, command.text);
    } catch (err) {
      const what = `"setupCommands[${i}]" (${command.description ?? command.text}) failed: ${(err as Error).message}`;
      if (!command.ignoreFailures) throw new LaunchError(what);
      note(what);
    }
  }
}

#!/usr/bin/env node
import { CkptError, errorMessage } from '../engine/ckptError';
import type { CommandSpec } from './argParser';
import { COMMAND_SPECS } from './commandSpecs';
import { checkpointCommand } from './commands/checkpointCommand';
import { completionCommand } from './commands/completionCommand';
import { diffCommand } from './commands/diffCommand';
import { deleteCommand } from './commands/deleteCommand';
import { inspectCommand } from './commands/inspectCommand';
import { killCommand } from './commands/killCommand';
import { labelCommand } from './commands/labelCommand';
import { launchCommand } from './commands/launchCommand';
import { listCommand } from './commands/listCommand';
import { memberExecCommand, memberRestoreCommand, memberWaitCommand } from './commands/memberCommands';
import { restartCommand } from './commands/restartCommand';
import { restoreCommand } from './commands/restoreCommand';
import { statusCommand } from './commands/statusCommand';
import { JsonFailure, jsonRequested, writeJsonFailure } from './jsonErrors';
import { COMMAND_USAGE, usageText } from './usage';
import { HelpRequested, UsageError } from './usageError';

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  launch: launchCommand,
  checkpoint: checkpointCommand,
  restart: restartCommand,
  restore: restoreCommand,
  list: listCommand,
  inspect: inspectCommand,
  diff: diffCommand,
  label: labelCommand,
  delete: deleteCommand,
  status: statusCommand,
  kill: killCommand,
  completion: completionCommand,
  'member-exec': memberExecCommand,
  'member-restore': memberRestoreCommand,
  'member-wait': memberWaitCommand,
};

/** Runs one `ckpt` command line; returns the exit status. Never throws for a user's mistake. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? process.stderr : process.stdout).write(usageText());
    return name === undefined ? 2 : 0;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  const spec = command ? (COMMAND_SPECS as Record<string, CommandSpec>)[name] : undefined;
  const json = name === '--json' || jsonRequested(spec, rest);
  try {
    if (name === '--json') throw new UsageError(rest.length > 0 ? `--json goes after the command: ckpt ${rest[0]} --json` : 'missing COMMAND before --json');
    if (!command) throw new UsageError(`unknown command '${name}'`);
    return await command(rest);
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(usageText(err.command));
      return 0;
    }
    const failure = describeFailure(command ? name : undefined, err);
    if (json) writeJsonFailure(failure);
    else writeTextFailure(name, failure, err);
    return failure.status;
  }
}

function describeFailure(command: string | undefined, err: unknown): JsonFailure {
  if (err instanceof UsageError) {
    const name = err.command ?? command;
    return { error: err.message, command: name, status: 2, kind: 'usage', usage: name ? COMMAND_USAGE[name] : 'ckpt --help' };
  }
  if (err instanceof CkptError) return { error: err.message, command, status: 1, kind: 'failed' };
  const detail = err instanceof Error ? err.stack : undefined;
  return { error: `internal error: ${errorMessage(err)}`, command, status: 70, kind: 'internal', ...(detail ? { detail } : {}) };
}

function writeTextFailure(name: string, failure: JsonFailure, err: unknown): void {
  if (err instanceof UsageError) {
    const who = err.command ? `ckpt ${err.command}` : 'ckpt';
    process.stderr.write(`${who}: ${err.message}\n${usageText(err.command)}`);
  } else if (err instanceof CkptError) {
    if (!err.onStderr) process.stderr.write(`ckpt ${name}: ${err.message}\n`);
  } else {
    // A bug, not a user error: the stack is what a bug report needs.
    process.stderr.write(`ckpt ${name}: ${failure.error}${failure.detail ? `\n${failure.detail}` : ''}\n`);
  }
}

if (require.main === module) {
  // `ckpt list | head -1`: a reader that stops early is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 70;
    },
  );
}

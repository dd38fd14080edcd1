import { parseArgs as parseNodeArgs } from 'node:util';
import type { CommandSpec } from './argParser';

/**
 * A failed command as `--json` reports it: `error` is the message the text form
 * prints, `command` the subcommand (absent when none was understood), `status`
 * the exit status, `kind` whether the command line was not understood (`usage`,
 * status 2, with the command's `usage` line), the work failed (`failed`, 1) or
 * ckpt hit a bug (`internal`, 70; `detail` then holds the stack).
 */
export interface JsonFailure {
  error: string;
  command?: string;
  status: number;
  kind: 'usage' | 'failed' | 'internal';
  usage?: string;
  detail?: string;
}

/** Commands whose stdout is the program's: they report on stderr, in JSON lines. */
const PROGRAM_OWNS_STDOUT = new Set(['launch', 'restart']);

/**
 * Whether a command line asks for `--json`: the flag among ckpt's own options,
 * not among a program's arguments (`ckpt launch -- prog --json` does not). Read
 * before the options are checked, so that a command line that fails to parse is
 * answered in JSON too.
 */
export function jsonRequested(spec: CommandSpec | undefined, argv: string[]): boolean {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const name of [...(spec?.valueOptions ?? []), ...(spec?.listOptions ?? [])]) options[name] = { type: 'string', multiple: true };
  const { tokens } = parseNodeArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'option-terminator' || (token.kind === 'positional' && spec?.rest)) return false;
    if (token.kind === 'option' && token.rawName === '--json') return true;
  }
  return false;
}

/**
 * Writes a failure as one JSON object where the command's result would have
 * gone: stdout, or for launch and restart a last JSON line on stderr
 * (`{ "event": "error", ... }`, as their other news).
 */
export function writeJsonFailure(failure: JsonFailure): void {
  if (failure.command && PROGRAM_OWNS_STDOUT.has(failure.command)) {
    process.stderr.write(JSON.stringify({ event: 'error', ...failure }) + '\n');
  } else {
    process.stdout.write(JSON.stringify(failure, null, 2) + '\n');
  }
}

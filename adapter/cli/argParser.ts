import { parseArgs as parseNodeArgs } from 'node:util';
import { HelpRequested, UsageError } from './usageError';

export interface CommandSpec {
  name: string;
  /** Options that take a value (`--dir D` or `--dir=D`). */
  valueOptions?: string[];
  /** Options that take a value and may be given several times (`--path-map A=B --path-map C=D`). */
  listOptions?: string[];
  /** Options that are flags (`--json`). */
  flagOptions?: string[];
  /** Names of required positionals, in order. */
  positionals?: string[];
  /** Everything from the first positional (or after `--`) on is passed through untouched. */
  rest?: boolean;
}

export interface ParsedArgs {
  values: Map<string, string>;
  lists: Map<string, string[]>;
  flags: Set<string>;
  positionals: string[];
  rest: string[];
}

type NodeOptions = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

function nodeOptions(spec: CommandSpec): NodeOptions {
  const options: NodeOptions = { help: { type: 'boolean', short: 'h' } };
  for (const name of spec.valueOptions ?? []) options[name] = { type: 'string' };
  for (const name of spec.listOptions ?? []) options[name] = { type: 'string', multiple: true };
  for (const name of spec.flagOptions ?? []) options[name] = { type: 'boolean' };
  return options;
}

/**
 * Parses one subcommand's arguments with node's util.parseArgs. Strict on
 * purpose: an unknown option or a missing argument is a usage error naming it,
 * never silently ignored. util.parseArgs runs lenient and its tokens are checked
 * here, so that each message names the argument as the user typed it.
 */
export function parseArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const options = nodeOptions(spec);
  const { tokens } = parseNodeArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const parsed: ParsedArgs = { values: new Map(), lists: new Map(), flags: new Set(), positionals: [], rest: [] };
  for (const token of tokens) {
    if (token.kind === 'option-terminator' || (token.kind === 'positional' && spec.rest)) {
      // A program's own arguments are not ours to read, options included.
      const from = token.kind === 'option-terminator' ? token.index + 1 : token.index;
      (spec.rest ? parsed.rest : parsed.positionals).push(...argv.slice(from));
      break;
    }
    if (token.kind === 'positional') parsed.positionals.push(token.value);
    else readOption(spec, options, argv, token, parsed);
  }
  const wanted = spec.positionals ?? [];
  if (parsed.positionals.length < wanted.length) {
    throw new UsageError(`missing ${wanted[parsed.positionals.length]}`, spec.name);
  }
  if (parsed.positionals.length > wanted.length) {
    throw new UsageError(`unexpected argument '${parsed.positionals[wanted.length]}'`, spec.name);
  }
  return parsed;
}

interface OptionToken {
  name: string;
  rawName: string;
  index: number;
  value?: string;
  inlineValue?: boolean;
}

function readOption(spec: CommandSpec, options: NodeOptions, argv: string[], token: OptionToken, parsed: ParsedArgs): void {
  const { name } = token;
  const option = Object.prototype.hasOwnProperty.call(options, name) ? options[name] : undefined;
  if (option && name === 'help') throw new HelpRequested(spec.name);
  // `-xy` is unknown as the user wrote it, not as the `-x` it was split into.
  if (!option) throw new UsageError(`unknown option ${token.rawName.startsWith('--') ? token.rawName : argv[token.index]}`, spec.name);
  if (option.type === 'boolean') {
    if (token.value !== undefined) throw new UsageError(`option --${name} takes no value`, spec.name);
    parsed.flags.add(name);
    return;
  }
  if (token.value === undefined || token.value === '') throw new UsageError(`option --${name} needs a value`, spec.name);
  if (option.multiple) parsed.lists.set(name, [...(parsed.lists.get(name) ?? []), token.value]);
  else parsed.values.set(name, token.value);
}

/** `--interval SECONDS` as milliseconds, if given. */
export function intervalMs(args: ParsedArgs, command: string): number | undefined {
  const interval = args.values.get('interval');
  if (interval === undefined) return undefined;
  const seconds = Number(interval);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--interval needs a positive number of seconds, not '${interval}'`, command);
  }
  return seconds * 1000;
}

/** Values of a repeatable option that must each look like `LEFT=RIGHT`. */
export function pairList(args: ParsedArgs, name: string, command: string): string[] {
  const list = args.lists.get(name) ?? [];
  for (const v of list) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${name} needs the form ${name === 'env' ? 'NAME=VALUE' : 'OLD=NEW'}, not '${v}'`, command);
  }
  return list;
}

/** The computation directory: --dir, else $CKPT_DIR, else ./.ckpt. */
export function computationDir(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): string {
  return args.values.get('dir') ?? (env.CKPT_DIR || '.ckpt');
}

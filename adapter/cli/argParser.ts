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

/**
 * Parses one subcommand's arguments. Strict on purpose: an unknown option or a
 * missing argument is a usage error naming it, never silently ignored.
 */
export function parseArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const values = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const listOptions = new Set(spec.listOptions ?? []);
  const flags = new Set<string>();
  const positionals: string[] = [];
  const rest: string[] = [];
  const valueOptions = new Set(spec.valueOptions ?? []);
  const flagOptions = new Set(spec.flagOptions ?? []);
  const wanted = spec.positionals ?? [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      if (spec.rest) rest.push(...argv.slice(i + 1));
      else positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') throw new HelpRequested(spec.name);
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      if (valueOptions.has(name) || listOptions.has(name)) {
        let value: string | undefined;
        if (eq >= 0) value = arg.slice(eq + 1);
        else if (i + 1 < argv.length) value = argv[++i];
        if (value === undefined || value === '') throw new UsageError(`option --${name} needs a value`, spec.name);
        if (listOptions.has(name)) lists.set(name, [...(lists.get(name) ?? []), value]);
        else values.set(name, value);
        continue;
      }
      if (flagOptions.has(name)) {
        if (eq >= 0) throw new UsageError(`option --${name} takes no value`, spec.name);
        flags.add(name);
        continue;
      }
      throw new UsageError(`unknown option --${name}`, spec.name);
    }
    if (arg.startsWith('-') && arg.length > 1) throw new UsageError(`unknown option ${arg}`, spec.name);
    if (spec.rest) {
      rest.push(...argv.slice(i));
      break;
    }
    positionals.push(arg);
  }
  if (positionals.length < wanted.length) {
    throw new UsageError(`missing ${wanted[positionals.length]}`, spec.name);
  }
  if (positionals.length > wanted.length) {
    throw new UsageError(`unexpected argument '${positionals[wanted.length]}'`, spec.name);
  }
  return { values, lists, flags, positionals, rest };
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

/**
 * Quoting for the command line gdb hands to /bin/sh when it starts the program
 * (gdb's `startup-with-shell`): arguments must reach the program unchanged.
 */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_\/.,:=+@%-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellJoin(args: readonly string[]): string {
  return args.map(shellQuote).join(' ');
}

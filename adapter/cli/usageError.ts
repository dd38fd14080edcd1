/** A command line that cannot be understood: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `--help` given where options are read: print the command's usage and succeed. */
export class HelpRequested extends Error {
  constructor(readonly command: string) {
    super(`help for ${command}`);
    this.name = 'HelpRequested';
  }
}

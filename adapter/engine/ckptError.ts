/**
 * The one error type of the engine driver and the CLI. Its message is meant for
 * the user as is: the CLI prints it without a stack trace, the debug adapter
 * shows it in the editor.
 */
export class CkptError extends Error {
  /**
   * @param onStderr the program that failed (the restorer, say) already told the
   *   user why on the shared stderr: a terminal needs no second line.
   */
  constructor(message: string, readonly onStderr = false) {
    super(message);
    this.name = 'CkptError';
  }
}

/** Node's error code (ENOENT, EEXIST, ...) of a system error, if it has one. */
export function errnoCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

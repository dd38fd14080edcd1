/** Where commands write: results on stdout, messages for the person on stderr. */
export function out(text: string): void {
  process.stdout.write(text);
}

export function note(text: string): void {
  process.stderr.write(`ckpt: ${text}\n`);
}

/** A command's --json result: one JSON value on stdout (shapes in README.md). */
export function outJson(value: unknown): void {
  out(JSON.stringify(value, null, 2) + '\n');
}

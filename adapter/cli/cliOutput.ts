/** Where commands write: results on stdout, messages for the person on stderr. */
export function out(text: string): void {
  process.stdout.write(text);
}

export function note(text: string): void {
  process.stderr.write(`ckpt: ${text}\n`);
}

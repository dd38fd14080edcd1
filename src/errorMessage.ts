/**
 * Turns whatever a failed request threw into one readable sentence: the message of an
 * Error (never its stack), the text of a string, or a generic fallback.
 */
export function errorMessage(err: unknown): string {
  let text: string;
  if (err instanceof Error) text = err.message;
  else if (typeof err === 'string') text = err;
  else if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') {
    text = (err as { message: string }).message;
  } else text = 'unknown error';
  // A message must be one readable paragraph: drop any stack lines that leaked into it.
  const lines = text.split('\n').filter((l) => !/^\s+at\s/.test(l));
  const joined = lines.join(' ').replace(/\s+/g, ' ').trim();
  return joined === '' ? 'unknown error' : joined;
}

/**
 * Logpoint messages (DAP `logMessage`): text with `{expression}` parts, each
 * replaced by the expression's value in the program where the logpoint was
 * hit. `{{` and `}}` stand for literal braces.
 */
export type MessagePart = { text: string } | { expression: string };

export class LogMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogMessageError';
  }
}

export function parseLogMessage(message: string): MessagePart[] {
  const parts: MessagePart[] = [];
  let text = '';
  for (let i = 0; i < message.length; i++) {
    const c = message[i];
    if ((c === '{' || c === '}') && message[i + 1] === c) {
      text += c;
      i++;
      continue;
    }
    if (c === '}') throw new LogMessageError(`Log message '${message}': a '}' without its '{' (write '}}' for a brace).`);
    if (c !== '{') {
      text += c;
      continue;
    }
    // An expression may hold braces of its own (a compound literal): count them.
    let depth = 1;
    let j = i + 1;
    for (; j < message.length && depth > 0; j++) {
      if (message[j] === '{') depth++;
      else if (message[j] === '}') depth--;
    }
    if (depth > 0) throw new LogMessageError(`Log message '${message}': a '{' without its '}' (write '{{' for a brace).`);
    const expression = message.slice(i + 1, j - 1).trim();
    if (!expression) throw new LogMessageError(`Log message '${message}': '{}' names no expression.`);
    if (text) parts.push({ text });
    text = '';
    parts.push({ expression });
    i = j - 1;
  }
  if (text) parts.push({ text });
  return parts;
}

/** The message with every expression evaluated by `evaluate` (its error text in <> when it fails). */
export async function formatLogMessage(parts: MessagePart[], evaluate: (expression: string) => Promise<string>): Promise<string> {
  let out = '';
  for (const part of parts) {
    if ('text' in part) {
      out += part.text;
      continue;
    }
    try {
      out += await evaluate(part.expression);
    } catch (err) {
      out += `<${err instanceof Error ? err.message : String(err)}>`;
    }
  }
  return out;
}

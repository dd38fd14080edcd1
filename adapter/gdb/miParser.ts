/**
 * A pure parser for gdb/MI output lines (GDB manual, "GDB/MI Output Syntax").
 * One call per line; no state, no I/O, so it can be tested on captured output.
 */

/** An MI value: a c-string constant, a tuple `{a=..}` or a list `[..]`. */
export type MiValue = string | MiTuple | MiValue[];
export interface MiTuple { [name: string]: MiValue }

export type MiResultClass = 'done' | 'running' | 'connected' | 'error' | 'exit';

export interface MiResultRecord {
  kind: 'result';
  token?: number;
  resultClass: MiResultClass;
  results: MiTuple;
}

/** `*` exec (running/stopped), `+` status (progress), `=` notify (everything else). */
export interface MiAsyncRecord {
  kind: 'exec' | 'status' | 'notify';
  token?: number;
  asyncClass: string;
  results: MiTuple;
}

/** `~` console output, `@` target output, `&` gdb's log (echoed commands, warnings). */
export interface MiStreamRecord {
  kind: 'console' | 'target' | 'log';
  text: string;
}

export interface MiPrompt { kind: 'prompt' }

/** A line that is not MI: it can only come from a program sharing gdb's terminal. */
export interface MiOtherLine { kind: 'other'; line: string }

export type MiRecord = MiResultRecord | MiAsyncRecord | MiStreamRecord | MiPrompt | MiOtherLine;

export class MiParseError extends Error {
  constructor(message: string, readonly line: string, readonly position: number) {
    super(`${message} at column ${position + 1} of MI line: ${line}`);
    this.name = 'MiParseError';
  }
}

const RESULT_CLASSES: ReadonlySet<string> = new Set(['done', 'running', 'connected', 'error', 'exit']);
const ASYNC_KINDS: Record<string, MiAsyncRecord['kind']> = { '*': 'exec', '+': 'status', '=': 'notify' };
const STREAM_KINDS: Record<string, MiStreamRecord['kind']> = { '~': 'console', '@': 'target', '&': 'log' };

/** Parses one line of gdb's MI output (without its line terminator). */
export function parseMiLine(rawLine: string): MiRecord {
  const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
  if (/^\(gdb\) ?$/.test(line)) return { kind: 'prompt' };

  const streamKind = STREAM_KINDS[line[0]];
  if (streamKind !== undefined) {
    if (line[1] !== '"') return { kind: 'other', line };
    const cursor = new Cursor(line, 1);
    const text = cursor.cString();
    if (!cursor.atEnd()) return { kind: 'other', line };
    return { kind: streamKind, text };
  }

  const tokenMatch = /^(\d*)([\^*+=])/.exec(line);
  if (!tokenMatch) return { kind: 'other', line };
  const token = tokenMatch[1] === '' ? undefined : Number(tokenMatch[1]);
  const marker = tokenMatch[2];
  const classMatch = /^[a-zA-Z][a-zA-Z0-9_-]*/.exec(line.slice(tokenMatch[0].length));
  if (!classMatch) return { kind: 'other', line };
  const cls = classMatch[0];
  const cursor = new Cursor(line, tokenMatch[0].length + cls.length);
  let results: MiTuple;
  try {
    results = cursor.resultsToEnd();
  } catch (err) {
    // A program writing to gdb's terminal can produce lines that start like MI.
    if (err instanceof MiParseError) return { kind: 'other', line };
    throw err;
  }

  if (marker === '^') {
    if (!RESULT_CLASSES.has(cls)) return { kind: 'other', line };
    const rec: MiResultRecord = { kind: 'result', resultClass: cls as MiResultClass, results };
    return withToken(rec, token);
  }
  const rec: MiAsyncRecord = { kind: ASYNC_KINDS[marker], asyncClass: cls, results };
  return withToken(rec, token);
}

function withToken<T extends { token?: number }>(record: T, token: number | undefined): T {
  if (token !== undefined) record.token = token;
  return record;
}

/** Parses the body of a c-string starting at `"`; exported for the tests and for CLI output. */
export function parseCString(text: string): string {
  const cursor = new Cursor(text, 0);
  const value = cursor.cString();
  if (!cursor.atEnd()) throw new MiParseError('text after the string', text, cursor.pos);
  return value;
}

/** Quotes a string as an MI c-string argument (file names, expressions with spaces). */
export function quoteMiArg(value: string): string {
  return '"' + value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}

const SIMPLE_ESCAPES: Record<string, number> = {
  n: 0x0a, t: 0x09, r: 0x0d, '"': 0x22, '\\': 0x5c, "'": 0x27,
  a: 0x07, b: 0x08, f: 0x0c, v: 0x0b, e: 0x1b,
};

class Cursor {
  constructor(readonly text: string, public pos: number) {}

  atEnd(): boolean { return this.pos >= this.text.length; }

  private fail(message: string): never { throw new MiParseError(message, this.text, this.pos); }

  private expect(ch: string): void {
    if (this.text[this.pos] !== ch) this.fail(`expected '${ch}'`);
    this.pos++;
  }

  /** `("," result)*` up to the end of the line. */
  resultsToEnd(): MiTuple {
    const out: MiTuple = {};
    while (!this.atEnd()) {
      this.expect(',');
      const [name, value] = this.result();
      addResult(out, name, value);
    }
    return out;
  }

  private result(): [string, MiValue] {
    const start = this.pos;
    while (!this.atEnd() && this.text[this.pos] !== '=') {
      const ch = this.text[this.pos];
      if (ch === ',' || ch === '{' || ch === '}' || ch === '[' || ch === ']' || ch === '"') {
        this.fail('expected a variable name');
      }
      this.pos++;
    }
    if (this.pos === start) this.fail('expected a variable name');
    const name = this.text.slice(start, this.pos);
    this.expect('=');
    return [name, this.value()];
  }

  private value(): MiValue {
    const ch = this.text[this.pos];
    if (ch === '"') return this.cString();
    if (ch === '{') return this.tuple();
    if (ch === '[') return this.list();
    return this.fail('expected a value');
  }

  private tuple(): MiTuple {
    this.expect('{');
    const out: MiTuple = {};
    if (this.text[this.pos] === '}') { this.pos++; return out; }
    for (;;) {
      const [name, value] = this.result();
      addResult(out, name, value);
      if (this.text[this.pos] === ',') { this.pos++; continue; }
      this.expect('}');
      return out;
    }
  }

  /** Lists hold values or results; named results (`frame={..}`) keep only their values. */
  private list(): MiValue[] {
    this.expect('[');
    const out: MiValue[] = [];
    if (this.text[this.pos] === ']') { this.pos++; return out; }
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === '"' || ch === '{' || ch === '[') out.push(this.value());
      else out.push(this.result()[1]);
      if (this.text[this.pos] === ',') { this.pos++; continue; }
      this.expect(']');
      return out;
    }
  }

  /** A C string: escapes include octal bytes, which together form UTF-8 text. */
  cString(): string {
    this.expect('"');
    const bytes: number[] = [];
    for (;;) {
      if (this.atEnd()) this.fail('unterminated string');
      const ch = this.text[this.pos++];
      if (ch === '"') break;
      if (ch !== '\\') {
        const code = ch.codePointAt(0)!;
        if (code < 0x80) bytes.push(code);
        else {
          const full = String.fromCodePoint(this.text.codePointAt(this.pos - 1)!);
          if (full.length === 2) this.pos++;
          bytes.push(...Buffer.from(full, 'utf8'));
        }
        continue;
      }
      if (this.atEnd()) this.fail('unterminated escape');
      const esc = this.text[this.pos++];
      if (esc in SIMPLE_ESCAPES) { bytes.push(SIMPLE_ESCAPES[esc]); continue; }
      if (esc >= '0' && esc <= '7') {
        let digits = esc;
        while (digits.length < 3 && /[0-7]/.test(this.text[this.pos] ?? '')) digits += this.text[this.pos++];
        bytes.push(parseInt(digits, 8) & 0xff);
        continue;
      }
      if (esc === 'x') {
        const hex = /^[0-9a-fA-F]{1,2}/.exec(this.text.slice(this.pos));
        if (!hex) this.fail('bad \\x escape');
        this.pos += hex[0].length;
        bytes.push(parseInt(hex[0], 16));
        continue;
      }
      // Unknown escape: keep the character, as a C compiler would.
      bytes.push(...Buffer.from(esc, 'utf8'));
    }
    return Buffer.from(bytes).toString('utf8');
  }
}

/** A repeated name in one tuple (old MI's `bkpt={..},{..}`) becomes a list. */
function addResult(target: MiTuple, name: string, value: MiValue): void {
  if (!(name in target)) { target[name] = value; return; }
  const existing = target[name];
  if (Array.isArray(existing) && (existing as MiValue[] & { repeated?: true }).repeated) existing.push(value);
  else {
    const list: MiValue[] & { repeated?: true } = [existing, value];
    Object.defineProperty(list, 'repeated', { value: true, enumerable: false });
    target[name] = list;
  }
}

// Typed accessors: MI sends everything as strings; these keep the callers short and safe.

export function miString(v: MiValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function miNumber(v: MiValue | undefined): number | undefined {
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export function miTuple(v: MiValue | undefined): MiTuple | undefined {
  return v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

export function miList(v: MiValue | undefined): MiValue[] {
  if (Array.isArray(v)) return v;
  return v === undefined ? [] : [v];
}

export function miTuples(v: MiValue | undefined): MiTuple[] {
  return miList(v).map(miTuple).filter((t): t is MiTuple => t !== undefined);
}

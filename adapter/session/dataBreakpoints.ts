/**
 * Data breakpoints (DAP `dataBreakpointInfo` / `setDataBreakpoints`) as gdb
 * watchpoints. A variable or expression is watched at its address
 * (`*(TYPE *) 0xADDR`), not by name: a watchpoint on a local's name is
 * deleted by gdb when its frame returns, and on an address it stays valid in a
 * restored snapshot too (the program's memory comes back at the same place).
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { ThreadFrame, WatchAccess } from '../gdb/gdbCommands';
import type { MiTuple } from '../gdb/miParser';
import { miString, miTuple } from '../gdb/miParser';
import { BreakpointHits } from './breakpointHits';
import { errorMessage } from '../engine';

const ACCESS_TYPES: DebugProtocol.DataBreakpointAccessType[] = ['write', 'read', 'readWrite'];

/** What a dataId stands for (the dataId is this as JSON). */
export interface WatchTarget {
  /** What the user watches, as they wrote it. */
  expression: string;
  /** The same memory, for gdb, independent of any frame. */
  location: string;
}

export class DataBreakpoints {
  private numbers: number[] = [];
  /** gdb number → the user's expression, for the stop's description. */
  private readonly expressions = new Map<number, string>();

  constructor(private readonly hits: BreakpointHits) {}

  /** Whether `expression` (evaluated in `at`) can be watched, and its dataId. */
  async info(gdb: MiConnection, expression: string, at?: ThreadFrame): Promise<DebugProtocol.DataBreakpointInfoResponse['body']> {
    try {
      const target = await watchTarget(gdb, expression, at);
      return { dataId: JSON.stringify(target), description: expression, accessTypes: ACCESS_TYPES, canPersist: false };
    } catch (err) {
      return { dataId: null, description: `'${expression}' cannot be watched: ${errorMessage(err)}` };
    }
  }

  /** Replaces every data breakpoint by `wanted` (as DAP asks). */
  async set(gdb: MiConnection, wanted: DebugProtocol.DataBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
    if (this.numbers.length) {
      await mi.breakDelete(gdb, this.numbers).catch(() => undefined);
      this.hits.forget(this.numbers);
      for (const n of this.numbers) this.expressions.delete(n);
    }
    this.numbers = [];
    const result: DebugProtocol.Breakpoint[] = [];
    for (const want of wanted) {
      try {
        const target = parseDataId(want.dataId);
        const behaviour = BreakpointHits.prepare({ hitCondition: want.hitCondition });
        const access: WatchAccess = want.accessType ?? 'write';
        if (!ACCESS_TYPES.includes(access)) throw new Error(`accessType '${String(access)}' is not one of ${ACCESS_TYPES.join(', ')}`);
        const number = await mi.breakWatch(gdb, target.location, access, want.condition || undefined);
        this.numbers.push(number);
        this.expressions.set(number, target.expression);
        this.hits.register(number, behaviour);
        result.push({ id: number, verified: true, message: `${target.expression} (${access})` });
      } catch (err) {
        result.push({ verified: false, message: errorMessage(err) });
      }
    }
    return result;
  }

  /** "counter: 0 → 1" for a watchpoint's `*stopped` record (undefined if not ours). */
  describeStop(number: number, results: MiTuple): string | undefined {
    const expression = this.expressions.get(number);
    if (expression === undefined) return undefined;
    const value = miTuple(results.value);
    const now = miString(value?.new) ?? miString(value?.value);
    const old = miString(value?.old);
    if (now === undefined) return `${expression} was accessed`;
    return old !== undefined ? `${expression}: ${old} → ${now}` : `${expression} = ${now}`;
  }
}

function parseDataId(dataId: string): WatchTarget {
  try {
    const t = JSON.parse(dataId) as Partial<WatchTarget>;
    if (typeof t.expression === 'string' && typeof t.location === 'string') return { expression: t.expression, location: t.location };
  } catch { /* reported below */ }
  throw new Error(`dataId '${dataId}' is not one this debugger gave out (ask dataBreakpointInfo for one)`);
}

/** The expression's memory as a frame-independent gdb expression (Find Last Change watches it too). */
export async function watchTarget(gdb: MiConnection, expression: string, at?: ThreadFrame): Promise<WatchTarget> {
  const address = BigInt(await mi.dataEvaluateExpression(gdb, `(unsigned long)&(${expression})`, at));
  const size = Number(await mi.dataEvaluateExpression(gdb, `sizeof(${expression})`, at));
  const vo = await mi.varCreate(gdb, expression, at);
  await mi.varDelete(gdb, vo.name).catch(() => undefined);
  const type = (vo.type ?? '').trim();
  const hex = `0x${address.toString(16)}`;
  const array = /^([^()[\]]+?)\s*\[(\d+)\]$/.exec(type);
  let location: string;
  if (array) location = `*(${array[1]} (*)[${array[2]}]) ${hex}`;
  else if (type && !/[()[\]]/.test(type)) location = `*(${type} *) ${hex}`;
  // Function pointers and nested arrays: the bytes themselves.
  else location = `*(unsigned char (*)[${size}]) ${hex}`;
  return { expression, location };
}

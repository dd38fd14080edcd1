/**
 * The client's breakpoints as gdb breakpoints: line breakpoints per source
 * file and function breakpoints, each replaced as a whole when the client
 * sends a new list (as DAP asks), and gdb's later changes to them (a pending
 * breakpoint resolved when its library loads) turned into DAP breakpoints.
 */
import * as path from 'path';
import { Source } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { Breakpoint as GdbBreakpoint } from '../gdb/gdbCommands';
import { BreakpointHits } from './breakpointHits';
import { parseAddress } from './disassembly';
import { errorMessage } from '../engine';

export class BreakpointTable {
  /** Source path → gdb breakpoint numbers set for it. */
  private readonly bySource = new Map<string, number[]>();
  private functions: number[] = [];
  private instructions: number[] = [];
  /** Every breakpoint the client knows, with the source it was set in. */
  private readonly known = new Map<number, { source?: string }>();

  /** `hits` gets each breakpoint's hit condition and log message. */
  constructor(private readonly hits: BreakpointHits) {}

  async setSourceBreakpoints(gdb: MiConnection, sourcePath: string, wanted: DebugProtocol.SourceBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
    await this.delete(gdb, this.bySource.get(sourcePath) ?? []);
    const numbers: number[] = [];
    const result: DebugProtocol.Breakpoint[] = [];
    for (const want of wanted) {
      try {
        const behaviour = BreakpointHits.prepare(want);
        const bp = await mi.breakInsert(gdb, { location: `${sourcePath}:${want.line}`, condition: want.condition || undefined });
        numbers.push(bp.number);
        this.known.set(bp.number, { source: sourcePath });
        this.hits.register(bp.number, behaviour);
        result.push(toDapBreakpoint(bp, sourcePath));
      } catch (err) {
        result.push({ verified: false, line: want.line, message: errorMessage(err) });
      }
    }
    this.bySource.set(sourcePath, numbers);
    return result;
  }

  async setFunctionBreakpoints(gdb: MiConnection, wanted: DebugProtocol.FunctionBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
    await this.delete(gdb, this.functions);
    this.functions = [];
    const result: DebugProtocol.Breakpoint[] = [];
    for (const want of wanted) {
      try {
        const behaviour = BreakpointHits.prepare(want);
        const bp = await mi.breakInsert(gdb, { location: want.name, condition: want.condition || undefined });
        this.functions.push(bp.number);
        this.known.set(bp.number, {});
        this.hits.register(bp.number, behaviour);
        result.push(toDapBreakpoint(bp));
      } catch (err) {
        result.push({ verified: false, message: errorMessage(err) });
      }
    }
    return result;
  }

  /** Breakpoints on instructions (the Disassembly view): `*ADDRESS` in gdb. */
  async setInstructionBreakpoints(gdb: MiConnection, wanted: DebugProtocol.InstructionBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
    await this.delete(gdb, this.instructions);
    this.instructions = [];
    const result: DebugProtocol.Breakpoint[] = [];
    for (const want of wanted) {
      try {
        const behaviour = BreakpointHits.prepare(want);
        const address = parseAddress(want.instructionReference, want.offset ?? 0);
        const bp = await mi.breakInsert(gdb, { location: `*0x${address.toString(16)}`, condition: want.condition || undefined });
        this.instructions.push(bp.number);
        this.known.set(bp.number, {});
        this.hits.register(bp.number, behaviour);
        const out = toDapBreakpoint(bp);
        out.instructionReference = `0x${address.toString(16)}`;
        result.push(out);
      } catch (err) {
        result.push({ verified: false, message: errorMessage(err) });
      }
    }
    return result;
  }

  isInstructionBreakpoint(number: number): boolean {
    return this.instructions.includes(number);
  }

  /** gdb changed a breakpoint (`=breakpoint-modified`): the DAP form, if the client knows it. */
  changed(bp: GdbBreakpoint): DebugProtocol.Breakpoint | undefined {
    const known = this.known.get(bp.number);
    return known ? toDapBreakpoint(bp, known.source) : undefined;
  }

  private async delete(gdb: MiConnection, numbers: number[]): Promise<void> {
    if (numbers.length === 0) return;
    for (const n of numbers) this.known.delete(n);
    this.hits.forget(numbers);
    await mi.breakDelete(gdb, numbers).catch(() => undefined);
  }
}

function toDapBreakpoint(bp: GdbBreakpoint, sourcePath?: string): DebugProtocol.Breakpoint {
  const out: DebugProtocol.Breakpoint = { id: bp.number, verified: !bp.pending && (bp.line !== undefined || bp.addr !== undefined) };
  if (bp.line !== undefined) out.line = bp.line;
  const file = bp.fullname ?? sourcePath;
  if (file) out.source = new Source(path.basename(file), file);
  if (bp.pending) out.message = 'Pending: the location is not loaded yet.';
  return out;
}

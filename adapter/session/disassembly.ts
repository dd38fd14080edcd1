/**
 * The DAP `disassemble` request on gdb's `-data-disassemble`: exactly
 * `instructionCount` instructions around an address, those before it too
 * (x86 instructions have no fixed length: the way back is found by decoding
 * from earlier starts until the instructions end exactly at the address).
 * Where memory cannot be read, placeholder instructions fill the count.
 */
import * as path from 'path';
import { Source } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import type { Instruction } from '../gdb/gdbCommands';

/** The longest x86 instruction. */
const MAX_LENGTH = 15n;
/** Bytes decoded per gdb command going forward. */
const CHUNK = 512n;

export function parseAddress(reference: string, offset = 0): bigint {
  let base: bigint;
  try {
    base = BigInt(reference.trim());
  } catch {
    throw new Error(`memoryReference '${reference}' is not an address`);
  }
  const address = base + BigInt(offset);
  if (address < 0n || address >= 1n << 64n) throw new Error(`memoryReference '${reference}' with offset ${offset} is outside the address space`);
  return address;
}

export async function disassemble(gdb: MiConnection, args: DebugProtocol.DisassembleArguments): Promise<DebugProtocol.DisassembledInstruction[]> {
  const count = args.instructionCount;
  if (!Number.isInteger(count) || count < 0) throw new Error('"instructionCount" must be a whole number');
  const base = parseAddress(args.memoryReference, args.offset ?? 0);
  const skip = args.instructionOffset ?? 0;
  let list: (Instruction | undefined)[];
  if (skip >= 0) {
    list = (await forward(gdb, base, skip + count)).slice(skip);
  } else {
    const before = await backward(gdb, base, -skip);
    list = [...before, ...await forward(gdb, base, Math.max(0, count + skip))].slice(0, count);
  }
  while (list.length < count) list.push(undefined);
  // Placeholders get addresses of their own, one byte apart, around the real ones.
  let firstReal = list.findIndex((i) => i !== undefined);
  if (firstReal < 0) firstReal = skip < 0 ? -skip : 0;
  const anchor = list[firstReal]?.address ?? base;
  let lastLine: number | undefined;
  let lastFile: string | undefined;
  return list.map((insn, k) => {
    if (!insn) {
      const address = anchor + BigInt(k - firstReal);
      return { address: hex(address < 0n ? 0n : address), instruction: '??', presentationHint: 'invalid' } as DebugProtocol.DisassembledInstruction;
    }
    const out: DebugProtocol.DisassembledInstruction = { address: hex(insn.address), instructionBytes: insn.opcodes, instruction: insn.text };
    if (insn.func) out.symbol = insn.offset !== undefined ? `${insn.func}+${insn.offset}` : insn.func;
    // The source is named when it changes (as DAP asks); every instruction with a line says it.
    if (insn.line !== undefined && insn.fullname) {
      if (insn.fullname !== lastFile || insn.line !== lastLine) out.location = new Source(path.basename(insn.fullname), insn.fullname);
      out.line = insn.line;
      lastFile = insn.fullname;
      lastLine = insn.line;
    }
    return out;
  });
}

function hex(address: bigint): string {
  return `0x${address.toString(16).padStart(16, '0')}`;
}

function length(insn: Instruction): bigint {
  return BigInt(insn.opcodes.split(/\s+/).filter(Boolean).length || 1);
}

/** `n` instructions from `address` on (fewer where memory ends). */
async function forward(gdb: MiConnection, address: bigint, n: number): Promise<Instruction[]> {
  const out: Instruction[] = [];
  let at = address;
  while (out.length < n) {
    let chunk: Instruction[];
    try {
      chunk = await mi.dataDisassemble(gdb, at, at + CHUNK);
    } catch {
      break; // not readable: placeholders from here
    }
    const fresh = chunk.filter((i) => i.address >= at);
    if (fresh.length === 0) break;
    out.push(...fresh);
    const last = fresh[fresh.length - 1];
    at = last.address + length(last);
  }
  return out.slice(0, n);
}

/** Up to `n` instructions that end exactly at `address`, nearest last. */
async function backward(gdb: MiConnection, address: bigint, n: number): Promise<(Instruction | undefined)[]> {
  const none = new Array<undefined>(n).fill(undefined);
  // Shorter spans when the longer one reaches memory that cannot be read.
  for (const span of [BigInt(n) * MAX_LENGTH, BigInt(n) * 4n, 64n, 16n]) {
    // Decoding from a wrong start falls into step after a few instructions;
    // starts a byte apart are tried until the decoded run ends at `address`.
    for (let shift = 0n; shift < MAX_LENGTH; shift++) {
      const start = address > span + shift ? address - span - shift : 0n;
      let run: Instruction[];
      try {
        run = (await mi.dataDisassemble(gdb, start, address)).filter((i) => i.address < address);
      } catch {
        break; // try a shorter span
      }
      const last = run[run.length - 1];
      if (last && last.address + length(last) === address) {
        const tail = run.slice(-n);
        return [...none.slice(tail.length), ...tail];
      }
      if (start === 0n) break;
    }
  }
  return none;
}

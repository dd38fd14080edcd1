/**
 * The DAP `readMemory` request on gdb's `-data-read-memory-bytes`: the bytes
 * from the first readable one on, and how many after them could not be read.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { MiConnection } from '../gdb/gdbProcess';
import * as mi from '../gdb/gdbCommands';
import { parseAddress } from './disassembly';

/** More than a client asks for at once; larger requests are cut to it (DAP allows fewer bytes). */
const MAX_BYTES = 1 << 20;

export async function readMemory(gdb: MiConnection, args: DebugProtocol.ReadMemoryArguments): Promise<DebugProtocol.ReadMemoryResponse['body']> {
  if (!Number.isInteger(args.count) || args.count < 0) throw new Error('"count" must be a whole number of bytes');
  const start = parseAddress(args.memoryReference, args.offset ?? 0);
  const count = Math.min(args.count, MAX_BYTES);
  const address = `0x${start.toString(16)}`;
  if (count === 0) return { address, data: '' };
  let blocks: mi.MemoryBlock[];
  try {
    blocks = await mi.dataReadMemoryBytes(gdb, start, count);
  } catch {
    return { address, unreadableBytes: count, data: '' };
  }
  if (blocks.length === 0) return { address, unreadableBytes: count, data: '' };
  // The first readable run: where it starts, its bytes, and the rest unreadable.
  const first = blocks[0];
  const parts = [first.contents];
  let end = first.end;
  for (const b of blocks.slice(1)) {
    if (b.begin !== end) break;
    parts.push(b.contents);
    end = b.end;
  }
  const requestedEnd = start + BigInt(count);
  let data = Buffer.concat(parts);
  // gdb 13 may count one byte past where memory stops being readable (as 0): look at it alone.
  while (end < requestedEnd && data.length > 0 && !await readable(gdb, end - 1n)) {
    data = data.subarray(0, data.length - 1);
    end--;
  }
  const body: DebugProtocol.ReadMemoryResponse['body'] = { address: `0x${first.begin.toString(16)}`, data: data.toString('base64') };
  if (end < requestedEnd) body.unreadableBytes = Number(requestedEnd - end);
  return body;
}

async function readable(gdb: MiConnection, address: bigint): Promise<boolean> {
  try {
    const blocks = await mi.dataReadMemoryBytes(gdb, address, 1);
    return blocks.length > 0 && blocks[0].begin === address && blocks[0].contents.length === 1;
  } catch {
    return false;
  }
}

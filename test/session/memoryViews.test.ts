/**
 * The Disassembly view and the memory (hex) view: `disassemble` and
 * `readMemory` against a real program under a real gdb.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Requests } from '../../adapter/protocol';
import type { SaveSnapshotResult } from '../../adapter/protocol';
import { Programs, lineOf, sourceOf, startClient } from '../fixtures/dapHarness';

const programs = new Programs();
let counter: string;

before(() => { counter = programs.build('counter'); });
after(() => programs.dispose());

test('disassemble: instructions before and after the pc, with bytes, symbols and source lines', async (t) => {
  const announced = await startClient(t);
  const caps = (await announced.initializeRequest()).body;
  assert.equal(caps?.supportsDisassembleRequest, true);
  assert.equal(caps?.supportsReadMemoryRequest, true);
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: counter }, [{ file: 'counter.c', marker: 'BUMP' }]);
  const frame = await dc.topFrame(stop.body.threadId);
  const pc = frame.instructionPointerReference!;
  assert.match(pc, /^0x[0-9a-f]+$/);

  const r = await dc.disassembleRequest({ memoryReference: pc, instructionOffset: -10, instructionCount: 25 });
  const list = r.body!.instructions;
  assert.equal(list.length, 25);
  assert.equal(BigInt(list[10].address), BigInt(pc), 'the 11th instruction is the one at the pc');
  assert.match(list[10].symbol ?? '', /^bump\+\d+$/);
  assert.equal(list[10].line, lineOf('counter.c', 'BUMP'));
  // The instructions are contiguous: each begins where the one before ends.
  for (let k = 1; k < list.length; k++) {
    const prev = list[k - 1];
    assert.notEqual(prev.presentationHint, 'invalid');
    const bytes = prev.instructionBytes!.split(' ').length;
    assert.equal(BigInt(list[k].address), BigInt(prev.address) + BigInt(bytes), `instruction ${k} follows ${k - 1}`);
  }
  assert.ok(list.some((i) => i.location?.path === sourceOf('counter.c')), 'the source file is named');
  // gdb itself agrees on the instruction at the pc.
  const x = await dc.evaluateRequest({ expression: '-exec x/i $pc', context: 'repl' });
  const mnemonic = list[10].instruction.split(/\s+/)[0];
  assert.match(x.body.result, new RegExp(`=> ${pc.replace(/^0x0*/, '0x')}.*\\s${mnemonic}\\s`));

  // Memory that cannot be read gives placeholders, as many as asked for.
  const none = await dc.disassembleRequest({ memoryReference: '0x0', instructionCount: 4 });
  assert.equal(none.body!.instructions.length, 4);
  assert.ok(none.body!.instructions.every((i) => i.presentationHint === 'invalid'));
  await assert.rejects(dc.disassembleRequest({ memoryReference: 'here', instructionCount: 4 }), /memoryReference 'here' is not an address/);
});

test('readMemory: the bytes of a variable, and where memory stops being readable', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: counter }, [{ file: 'counter.c', marker: 'BUMP' }]);
  const frame = await dc.topFrame(stop.body.threadId);
  const pointer = await dc.evaluateRequest({ expression: '&limit', frameId: frame.id, context: 'watch' });
  const ref = pointer.body.memoryReference;
  assert.ok(ref, 'a pointer value carries a memory reference');
  const mem = await dc.readMemoryRequest({ memoryReference: ref!, count: 4 });
  assert.equal(BigInt(mem.body!.address), BigInt(ref!));
  assert.equal(Buffer.from(mem.body!.data!, 'base64').readInt32LE(0), 6, 'limit is 6');
  const shifted = await dc.readMemoryRequest({ memoryReference: ref!, offset: -4, count: 8 });
  assert.equal(Buffer.from(shifted.body!.data!, 'base64').readInt32LE(4), 6, 'the offset moves the start');

  const nothing = await dc.readMemoryRequest({ memoryReference: '0x0', count: 16 });
  assert.equal(nothing.body!.unreadableBytes, 16);
  assert.equal(nothing.body!.data ?? '', '');

  // The end of the stack mapping: the bytes before it, and the rest unreadable.
  const pid = Number(/LWP (\d+)/.exec((await dc.threadsRequest()).body.threads[0].name)?.[1]);
  const stackLine = fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').find((l) => l.endsWith('[stack]'))!;
  const stackEnd = BigInt(`0x${stackLine.split(/[- ]/)[1]}`);
  const edge = await dc.readMemoryRequest({ memoryReference: `0x${(stackEnd - 8n).toString(16)}`, count: 24 });
  assert.equal(BigInt(edge.body!.address), stackEnd - 8n);
  assert.equal(Buffer.from(edge.body!.data!, 'base64').length, 8);
  assert.equal(edge.body!.unreadableBytes, 16);
});

test('an instruction breakpoint stops at its instruction, in a restored snapshot too', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: counter, snapshotDir: path.join(programs.dir, 'snapshots-insn') }, [{ file: 'counter.c', marker: 'BUMP' }]);
  const saved = (await dc.customRequest(Requests.saveSnapshot, {})).body as SaveSnapshotResult;
  const pc = (await dc.topFrame(stop.body.threadId)).instructionPointerReference!;
  const target = (await dc.disassembleRequest({ memoryReference: pc, instructionOffset: 2, instructionCount: 1 })).body!.instructions[0];
  await dc.setBreakpointsRequest({ source: { path: sourceOf('counter.c') }, breakpoints: [] });
  const set = await dc.setInstructionBreakpointsRequest({ breakpoints: [{ instructionReference: pc, offset: Number(BigInt(target.address) - BigInt(pc)) }] });
  assert.equal(set.body.breakpoints[0].verified, true, set.body.breakpoints[0].message);

  const atTarget = async (threadId: number, reason: string): Promise<number> => {
    const s = await dc.nextStop();
    assert.equal(s.body.reason, reason);
    assert.equal(BigInt((await dc.topFrame(s.body.threadId)).instructionPointerReference!), BigInt(target.address));
    return s.body.threadId;
  };
  let next = atTarget(stop.body.threadId, 'instruction breakpoint');
  await dc.continueRequest({ threadId: stop.body.threadId });
  await next;
  const back = dc.nextStop();
  await dc.customRequest(Requests.restoreSnapshot, { id: saved.snapshot.id });
  const threadId = (await back).body.threadId;
  assert.equal(BigInt((await dc.topFrame(threadId)).instructionPointerReference!), BigInt(pc), 'back at the snapshot');
  next = atTarget(threadId, 'instruction breakpoint');
  await dc.continueRequest({ threadId });
  await next;
  const bad = await dc.setInstructionBreakpointsRequest({ breakpoints: [{ instructionReference: 'nowhere' }] });
  assert.equal(bad.body.breakpoints[0].verified, false);
  assert.match(bad.body.breakpoints[0].message ?? '', /'nowhere' is not an address/);
});

/**
 * Golden logs: the adapter's stack trace and variables, as the client gets
 * them on a real program under a real gdb, written out as text and compared
 * with the committed expected text in test/session/golden/. Addresses change from
 * run to run and are written as 0x…; everything else must match exactly.
 * After an intended change of presentation, write the files anew with
 * CKPT_UPDATE_GOLDEN=1 and review their diff.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { PROGRAMS_DIR, Programs, TestClient, startClient } from '../fixtures/dapHarness';

const GOLDEN_DIR = path.join(PROGRAMS_DIR, '..', '..', 'session', 'golden');
const programs = new Programs();
let golden: string;

before(() => { golden = programs.build('golden'); });
after(() => programs.dispose());

function masked(text: string): string {
  return text.replace(/0x[0-9a-f]{4,}/g, '0x…');
}

function compareWithGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN_DIR, name);
  if (process.env.CKPT_UPDATE_GOLDEN === '1') fs.writeFileSync(file, actual);
  assert.ok(fs.existsSync(file), `no golden log ${file} (write it with CKPT_UPDATE_GOLDEN=1)`);
  assert.equal(actual, fs.readFileSync(file, 'utf8'), `${name} differs from the golden log`);
}

/** One line per frame, up to main (what lies below it is the C library's). */
function stackText(frames: DebugProtocol.StackFrame[]): string {
  const shown = frames.slice(0, frames.findIndex((f) => f.name === 'main') + 1);
  assert.ok(shown.length > 0, 'main is on the stack');
  return shown.map((f, i) => {
    const where = f.source ? `${f.source.name}:${f.line}:${f.column}` : '(no source)';
    const hint = f.presentationHint ? ` [${f.presentationHint}]` : '';
    const ip = f.instructionPointerReference ? ` ip=${f.instructionPointerReference}` : '';
    return masked(`#${i} ${f.name} ${where}${hint}${ip}`);
  }).join('\n') + '\n';
}

/** Every variable of the frame's scopes but the registers, children expanded up to `depth` levels. */
async function variablesText(dc: TestClient, frameId: number, depth: number): Promise<string> {
  const lines: string[] = [];
  const dump = async (reference: number, indent: string, left: number): Promise<void> => {
    for (const v of (await dc.variablesRequest({ variablesReference: reference })).body.variables) {
      const extra = [v.evaluateName && `eval=${v.evaluateName}`, v.memoryReference && `mem=${v.memoryReference}`].filter(Boolean).join(' ');
      lines.push(masked(`${indent}${v.name}: ${v.type ?? '?'} = ${v.value}${extra ? `  (${extra})` : ''}`));
      if (v.variablesReference > 0 && left > 0) await dump(v.variablesReference, indent + '  ', left - 1);
    }
  };
  for (const scope of (await dc.scopesRequest({ frameId })).body.scopes) {
    if (scope.name === 'Registers') continue;
    lines.push(`${scope.name}:`);
    await dump(scope.variablesReference, '  ', depth);
  }
  return lines.join('\n') + '\n';
}

test('golden log: the stack trace at a breakpoint three calls deep', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: golden }, [{ file: 'golden.c', marker: 'GOLDEN' }]);
  const trace = await dc.stackTraceRequest({ threadId: stop.body.threadId, startFrame: 0, levels: 20 });
  compareWithGolden('stackTrace.txt', `stopped: ${stop.body.reason}\n${stackText(trace.body.stackFrames)}`);
});

test('golden log: the variables of the innermost frame and of main', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: golden }, [{ file: 'golden.c', marker: 'GOLDEN' }]);
  const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId, startFrame: 0, levels: 20 })).body.stackFrames;
  const main = frames.find((f) => f.name === 'main');
  assert.ok(main, 'main is on the stack');
  const text = `frame ${frames[0].name}:\n${await variablesText(dc, frames[0].id, 3)}frame main:\n${await variablesText(dc, main.id, 3)}`;
  compareWithGolden('variables.txt', text);
});

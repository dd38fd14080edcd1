/**
 * The gdb process wrapper and typed commands against a real gdb: tokens match
 * results, errors carry gdb's message, async records arrive as events.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { GdbCommandError, GdbProcess, GdbUnavailableError } from '../../adapter/gdb/gdbProcess';
import * as mi from '../../adapter/gdb/gdbCommands';
import type { MiAsyncRecord } from '../../adapter/gdb/miParser';
import { Programs, lineOf, sourceOf } from '../fixtures/dapHarness';

const programs = new Programs();
let basic: string;

before(() => { basic = programs.build('basic'); });
after(() => programs.dispose());

async function startGdb(t: { after: (fn: () => Promise<void>) => void }): Promise<GdbProcess> {
  const gdb = new GdbProcess();
  await gdb.start();
  t.after(() => gdb.stop());
  return gdb;
}

test('commands sent together each get their own result', async (t) => {
  const gdb = await startGdb(t);
  await mi.fileExecAndSymbols(gdb, basic);
  const [a, b, c] = await Promise.all([
    mi.dataEvaluateExpression(gdb, '6 * 7'),
    mi.dataEvaluateExpression(gdb, 'sizeof(struct point)'),
    mi.dataEvaluateExpression(gdb, '"x"[0]'),
  ]);
  assert.equal(a, '42');
  assert.equal(b, '16');
  assert.equal(c, "120 'x'");
});

test('an ^error rejects with gdb\'s own message', async (t) => {
  const gdb = await startGdb(t);
  await assert.rejects(gdb.send('-no-such-command'), (err: Error) => {
    assert.ok(err instanceof GdbCommandError);
    assert.match(err.message, /Undefined MI command: no-such-command/);
    return true;
  });
  await assert.rejects(mi.dataEvaluateExpression(gdb, 'nothing_here'), /No symbol table is loaded|No symbol "nothing_here"/);
  // The connection is still usable afterwards.
  assert.equal(await mi.dataEvaluateExpression(gdb, '1 + 1'), '2');
});

test('breakpoints, run and the *stopped event, with typed results', async (t) => {
  const gdb = await startGdb(t);
  await mi.gdbSet(gdb, 'mi-async on');
  await mi.fileExecAndSymbols(gdb, basic);
  assert.equal(await mi.hasDebugInfo(gdb), true);
  await mi.execArguments(gdb, '> /dev/null');
  const line = lineOf('basic.c', 'SQUARE_BODY');
  const bp = await mi.breakInsert(gdb, { location: `${sourceOf('basic.c')}:${line}`, condition: 'v == 4' });
  assert.equal(bp.line, line);
  assert.equal(bp.pending, false);
  assert.equal(bp.condition, 'v == 4');
  const stopped = new Promise<MiAsyncRecord>((resolve) => {
    gdb.on('exec', (r) => { if (r.asyncClass === 'stopped') resolve(r); });
  });
  await mi.execRun(gdb);
  const stop = await stopped;
  assert.equal(stop.results.reason, 'breakpoint-hit');
  const thread = Number(stop.results['thread-id']);
  const frames = await mi.stackListFrames(gdb, thread);
  assert.deepEqual(frames.map((f) => f.func), ['square', 'sum_squares', 'main']);
  const vars = await mi.stackListVariables(gdb, { thread, frame: 0 });
  assert.deepEqual(vars.map((v) => [v.name, v.isArg, v.value]), [['v', true, '4'], ['result', false, vars[1].value]]);
  const vo = await mi.varCreate(gdb, 'origin', { thread, frame: 2 });
  assert.equal(vo.numchild, 3);
  const children = await mi.varListChildren(gdb, vo.name);
  assert.deepEqual(children.map((c) => [c.exp, c.value]).slice(0, 2), [['x', '3'], ['y', '4']]);
  await mi.varDelete(gdb, vo.name);
  const names = await mi.dataListRegisterNames(gdb);
  const regs = await mi.dataListRegisterValues(gdb, { thread, frame: 0 }, 'x', [names.indexOf('rip')]);
  assert.match(regs[0].value, /^0x/);
  const { threads } = await mi.threadInfo(gdb);
  assert.equal(threads.length, 1);
  assert.equal(threads[0].frame?.func, 'square');
});

test('a gdb that is not there: a message saying how to install it', async () => {
  const gdb = new GdbProcess();
  await assert.rejects(gdb.start({ gdbPath: path.join(programs.dir, 'missing-gdb') }), (err: Error) => {
    assert.ok(err instanceof GdbUnavailableError);
    assert.match(err.message, /apt-get install gdb/);
    return true;
  });
});

test('something that is not gdb is refused', async () => {
  const gdb = new GdbProcess();
  await assert.rejects(gdb.start({ gdbPath: '/bin/true' }), /did not answer as gdb\/MI|exited/);
});

test('a trace file gets every MI line both ways, private to the user', async (t) => {
  const trace = path.join(programs.dir, 'mi-trace.log');
  const gdb = new GdbProcess();
  await gdb.start({ traceFile: trace });
  t.after(() => gdb.stop());
  assert.equal(await mi.dataEvaluateExpression(gdb, '6 * 7'), '42');
  const lines = fs.readFileSync(trace, 'utf8').split('\n');
  assert.ok(lines.some((l) => / > \d+-data-evaluate-expression "6 \* 7"$/.test(l)), 'the command');
  assert.ok(lines.some((l) => / < \d+\^done,value="42"$/.test(l)), 'the answer');
  assert.equal(fs.statSync(trace).mode & 0o777, 0o600);
});

/**
 * Ordinary debugging through the adapter: breakpoints, stacks, variables,
 * stepping and evaluate, on a real program under a real gdb.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Programs, find, lineOf, sourceOf, startClient } from '../fixtures/dapHarness';

const programs = new Programs();
let basic: string;

before(() => { basic = programs.build('basic'); });
after(() => programs.dispose());

test('stops at a line breakpoint, and the stack trace names the functions', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: basic }, [{ file: 'basic.c', marker: 'SQUARE_BODY' }]);
  assert.equal(stop.body.reason, 'breakpoint');
  assert.ok(stop.body.hitBreakpointIds?.length, 'the hit breakpoint is named');
  const trace = await dc.stackTraceRequest({ threadId: stop.body.threadId });
  const frames = trace.body.stackFrames;
  assert.deepEqual(frames.slice(0, 3).map((f) => f.name), ['square', 'sum_squares', 'main']);
  assert.equal(frames[0].line, lineOf('basic.c', 'SQUARE_BODY'));
  assert.equal(frames[0].source?.path, sourceOf('basic.c'));
  assert.equal(frames[1].line, lineOf('basic.c', 'LOOP'));
});

test('locals show a struct with its fields, an array and a pointer', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: basic }, [{ file: 'basic.c', marker: 'BP1' }]);
  const frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.name, 'main');
  const locals = await dc.scopeVariables(frame.id, 'Locals');

  const origin = find(locals, 'origin');
  assert.equal(origin.type, 'struct point');
  assert.match(origin.value, /x = 3, y = 4/);
  assert.ok(origin.variablesReference > 0, 'a struct can be expanded');
  const fields = await dc.children(origin.variablesReference);
  assert.deepEqual(fields.map((f) => f.name), ['x', 'y', 'name']);
  assert.equal(find(fields, 'x').value, '3');
  assert.equal(find(fields, 'y').value, '4');
  assert.match(find(fields, 'name').value, /"origin"/);

  const values = find(locals, 'values');
  const elements = await dc.children(values.variablesReference);
  assert.deepEqual(elements.map((e) => [e.name, e.value]), [['[0]', '10'], ['[1]', '20'], ['[2]', '30'], ['[3]', '40']]);

  const where = find(locals, 'where');
  assert.match(where.value, /^0x[0-9a-f]+/);
  const pointee = await dc.children(where.variablesReference);
  assert.equal(find(pointee, 'x').value, '3');
  assert.equal(find(pointee, 'x').evaluateName, '(where)->x');

  const args = await dc.scopeVariables(frame.id, 'Arguments');
  assert.deepEqual(args.map((a) => a.name), ['argc', 'argv']);
  assert.equal(find(args, 'argc').value, '1');

  const registers = await dc.scopeVariables(frame.id, 'Registers');
  assert.match(find(registers, 'rip').value, /^0x[0-9a-f]+/);
});

test('a conditional breakpoint stops only when its condition holds', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: basic }, [{ file: 'basic.c', marker: 'SQUARE_BODY', condition: 'v == 3' }]);
  const frame = await dc.topFrame(stop.body.threadId);
  const args = await dc.scopeVariables(frame.id, 'Arguments');
  assert.equal(find(args, 'v').value, '3');
  // Loop index 4 does not match: the next stop is the program's end.
  const exited = dc.eventSeen('exited');
  await dc.continueRequest({ threadId: stop.body.threadId });
  assert.equal((await exited).body.exitCode, 0);
  await dc.eventSeen('terminated');
});

test('a function breakpoint stops at the function', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: basic }, [], ['square']);
  assert.equal(stop.body.reason, 'breakpoint');
  const frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.name, 'square');
  const args = await dc.scopeVariables(frame.id, 'Arguments');
  assert.equal(find(args, 'v').value, '0');
});

test('an invalid condition or a line in an unknown file gives an unverified breakpoint', async (t) => {
  const dc = await startClient(t);
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      const bad = await dc.setBreakpointsRequest({
        source: { path: sourceOf('basic.c') },
        breakpoints: [{ line: lineOf('basic.c', 'SQUARE_BODY'), condition: 'no_such_variable == 1' }],
      });
      assert.equal(bad.body.breakpoints[0].verified, false);
      assert.match(bad.body.breakpoints[0].message ?? '', /no_such_variable/);
      const elsewhere = await dc.setBreakpointsRequest({ source: { path: '/nonexistent/other.c' }, breakpoints: [{ line: 3 }] });
      assert.equal(elsewhere.body.breakpoints[0].verified, false);
      await dc.configurationDoneRequest();
    }),
    dc.launch({ program: basic }),
  ]);
  await dc.eventSeen('terminated');
});

test('step in, step over and step out', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: basic }, [{ file: 'basic.c', marker: 'CALL' }]);
  const thread = stop.body.threadId;

  const stepped = async (request: () => Promise<unknown>) => {
    const next = dc.waitForEvent('stopped');
    await request();
    const ev = await next;
    assert.equal(ev.body.reason, 'step');
    return dc.topFrame(thread);
  };

  let frame = await stepped(() => dc.stepInRequest({ threadId: thread }));
  assert.equal(frame.name, 'sum_squares');
  const entryLine = frame.line;
  frame = await stepped(() => dc.nextRequest({ threadId: thread }));
  assert.equal(frame.name, 'sum_squares');
  assert.ok(frame.line > entryLine, `next moved on (${entryLine} -> ${frame.line})`);
  frame = await stepped(() => dc.stepOutRequest({ threadId: thread }));
  assert.equal(frame.name, 'main');
  assert.ok([lineOf('basic.c', 'CALL'), lineOf('basic.c', 'AFTER_CALL')].includes(frame.line));
  frame = await stepped(() => dc.nextRequest({ threadId: thread }));
  assert.equal(frame.name, 'main');
  assert.equal(frame.line, lineOf('basic.c', 'AFTER_CALL'));
  const locals = await dc.scopeVariables(frame.id, 'Locals');
  assert.equal(find(locals, 'total').value, '30');
});

test('evaluate in the debug console and for hovers, in the chosen frame', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: basic }, [{ file: 'basic.c', marker: 'SQUARE_BODY', condition: 'v == 2' }]);
  const trace = await dc.stackTraceRequest({ threadId: stop.body.threadId });
  const [squareFrame, , mainFrame] = trace.body.stackFrames;

  const repl = await dc.evaluateRequest({ expression: 'v * 10', frameId: squareFrame.id, context: 'repl' });
  assert.equal(repl.body.result, '20');
  const hover = await dc.evaluateRequest({ expression: 'origin.y', frameId: mainFrame.id, context: 'hover' });
  assert.equal(hover.body.result, '4');
  const struct = await dc.evaluateRequest({ expression: '*where', frameId: mainFrame.id, context: 'watch' });
  assert.match(struct.body.result, /x = 3/);
  assert.ok(struct.body.variablesReference > 0);
  const fields = await dc.children(struct.body.variablesReference);
  assert.equal(find(fields, 'y').value, '4');

  await assert.rejects(
    dc.evaluateRequest({ expression: 'no_such_thing + 1', frameId: squareFrame.id, context: 'repl' }),
    /No symbol "no_such_thing"/,
  );
  const cli = await dc.evaluateRequest({ expression: '-exec info frame', frameId: squareFrame.id, context: 'repl' });
  assert.match(cli.body.result, /square/);
});

test('setVariable changes a value the program then uses', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: basic }, [{ file: 'basic.c', marker: 'AFTER_CALL' }]);
  const frame = await dc.topFrame(stop.body.threadId);
  const scopes = await dc.scopesRequest({ frameId: frame.id });
  const locals = scopes.body.scopes.find((s) => s.name === 'Locals')!;
  await dc.variablesRequest({ variablesReference: locals.variablesReference });
  const set = await dc.setVariableRequest({ variablesReference: locals.variablesReference, name: 'total', value: '7' });
  assert.equal(set.body.value, '7');
  const terminated = dc.eventSeen('terminated');
  await dc.continueRequest({ threadId: stop.body.threadId });
  await terminated;
  await dc.outputContains('basic: total=7 x=7');
});

test('stopOnEntry stops in main before any of its code runs', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({ program: basic, stopOnEntry: true });
  assert.equal(stop.body.reason, 'entry');
  const frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.name, 'main');
  assert.equal(dc.outputText('stdout'), '', 'nothing printed yet');
});

test('a breakpoint set while the program runs is hit', async (t) => {
  const dc = await startClient(t);
  const spin = programs.build('spin');
  await Promise.all([dc.configurationSequence(), dc.launch({ program: spin })]);
  await dc.outputContains('spin: running');
  const stopped = dc.nextStop();
  const set = await dc.setBreakpointsRequest({ source: { path: sourceOf('spin.c') }, breakpoints: [{ line: lineOf('spin.c', 'SPIN') }] });
  assert.equal(set.body.breakpoints[0].verified, true);
  const stop = await stopped;
  assert.equal(stop.body.reason, 'breakpoint');
  const frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.line, lineOf('spin.c', 'SPIN'));
  // Removing it lets the program run on; pause then finds it elsewhere in the loop.
  await dc.setBreakpointsRequest({ source: { path: sourceOf('spin.c') }, breakpoints: [] });
  await dc.continueRequest({ threadId: stop.body.threadId });
  const paused = dc.nextStop();
  await dc.pauseRequest({ threadId: stop.body.threadId });
  assert.equal((await paused).body.reason, 'pause');
});

test('a breakpoint in a library loaded later is pending, then verified and hit', async (t) => {
  const dc = await startClient(t);
  const host = programs.build('plugin_host');
  programs.buildLibrary('plugin');
  const line = lineOf('plugin.c', 'PLUGIN');
  const verified = dc.eventSeen('breakpoint', (e) => e.body.reason === 'changed' && e.body.breakpoint.verified === true);
  const stopped = dc.nextStop();
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      const r = await dc.setBreakpointsRequest({ source: { path: sourceOf('plugin.c') }, breakpoints: [{ line }] });
      assert.equal(r.body.breakpoints[0].verified, false, 'not loaded yet');
      await dc.configurationDoneRequest();
    }),
    dc.launch({ program: host }),
  ]);
  const changed = await verified;
  assert.equal(changed.body.breakpoint.line, line);
  const stop = await stopped;
  assert.equal(stop.body.reason, 'breakpoint');
  const frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.name, 'plugin_compute');
  assert.equal(frame.source?.path, sourceOf('plugin.c'));
  const args = await dc.scopeVariables(frame.id, 'Arguments');
  assert.equal(args[0].value, '13');
});

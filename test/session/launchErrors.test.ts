/**
 * Bad launch configurations: each one gets a message that names the problem.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Programs, lineOf, sourceOf, startClient } from '../fixtures/dapHarness';

const programs = new Programs();
let basic: string;
let stripped: string;

before(() => {
  basic = programs.build('basic');
  stripped = programs.build('basic', { debug: false, output: 'basic-nodebug' });
});
after(() => programs.dispose());

test('a program that does not exist fails the launch with a clear message', async (t) => {
  const dc = await startClient(t);
  const missing = path.join(programs.dir, 'no-such-program');
  await assert.rejects(dc.launch({ program: missing }), (err: Error) => {
    assert.match(err.message, /no-such-program' does not exist/);
    return true;
  });
  assert.match(dc.outputText(), /does not exist/, 'also shown in the debug console');
});

test('a program that is not executable fails the launch', async (t) => {
  const dc = await startClient(t);
  const plain = path.join(programs.dir, 'not-executable');
  fs.copyFileSync(basic, plain);
  fs.chmodSync(plain, 0o644);
  await assert.rejects(dc.launch({ program: plain }), /is not executable/);
});

test('a script is refused: only compiled programs can be debugged', async (t) => {
  const dc = await startClient(t);
  const script = path.join(programs.dir, 'script.sh');
  fs.writeFileSync(script, '#!/bin/sh\necho hi\n', { mode: 0o755 });
  await assert.rejects(dc.launch({ program: script }), /not a compiled \(ELF\) program/);
});

test('a missing working directory is named', async (t) => {
  const dc = await startClient(t);
  await assert.rejects(dc.launch({ program: basic, cwd: path.join(programs.dir, 'nowhere') }), /Working directory .*nowhere.* does not exist/);
});

test('a missing gdb gets a message saying how to install it', async (t) => {
  const dc = await startClient(t);
  await assert.rejects(dc.launch({ program: basic, gdbPath: path.join(programs.dir, 'no-gdb-here') }), (err: Error) => {
    assert.match(err.message, /gdb was not found/);
    assert.match(err.message, /apt-get install gdb/);
    return true;
  });
});

test('a program without debug info is debugged, with a message saying what is lost', async (t) => {
  const dc = await startClient(t);
  const terminated = dc.eventSeen('terminated');
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      const r = await dc.setBreakpointsRequest({ source: { path: sourceOf('basic.c') }, breakpoints: [{ line: lineOf('basic.c', 'BP1') }] });
      assert.equal(r.body.breakpoints[0].verified, false, 'no line information: the breakpoint cannot be placed');
      await dc.configurationDoneRequest();
    }),
    dc.launch({ program: stripped }),
  ]);
  await terminated;
  assert.match(dc.outputText(), /has no debug information.*gcc -g/);
  assert.match(dc.outputText('stdout'), /basic: total=30/);
});

test('an unknown console kind or bad args are reported', async (t) => {
  const dc = await startClient(t);
  await assert.rejects(dc.launch({ program: basic, args: 'not a list' }), /"args" must be a list of strings/);
});

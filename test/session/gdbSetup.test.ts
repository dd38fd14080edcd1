/**
 * The launch configuration's gdb setup: `setupCommands` run in gdb before the
 * program (console and MI commands, a failing one named), and `sourceFileMap`
 * finding sources that moved since the program was built.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { Programs, find, sourceOf, startClient } from '../fixtures/dapHarness';

const programs = new Programs();
let basic: string;

before(() => {
  basic = programs.build('basic');
});
after(() => programs.dispose());

test('setupCommands run in gdb before the program: a console command and an MI command', async (t) => {
  const dc = await startClient(t);
  const stop = await dc.launchAndStop({
    program: basic, snapshotDir: path.join(programs.dir, 'snapshots-setup'),
    setupCommands: ['set $ckpt_setup = 6 * 7', { text: '-gdb-set print elements 3', description: 'short strings' }],
  }, [], ['square']);
  const frame = await dc.topFrame(stop.body.threadId);
  const value = (expression: string): Promise<string> =>
    dc.evaluateRequest({ expression, frameId: frame.id, context: 'watch' }).then((r) => r.body.result);
  assert.equal(await value('$ckpt_setup'), '42');
  // `print elements 3`: gdb shows three characters of "origin" and then stops.
  const up = (await dc.stackTraceRequest({ threadId: stop.body.threadId, startFrame: 0, levels: 5 })).body.stackFrames;
  const mainFrame = up.find((f) => f.name === 'main');
  assert.ok(mainFrame, up.map((f) => f.name).join(', '));
  const name = (await dc.evaluateRequest({ expression: 'origin.name', frameId: mainFrame.id, context: 'watch' })).body.result;
  assert.match(name, /"ori"\.\.\.$/);
});

test('a failing setup command fails the launch and is named; one with ignoreFailures is noted and the session goes on', async (t) => {
  const dc = await startClient(t);
  await assert.rejects(dc.launch({ program: basic, setupCommands: ['set $ok = 1', 'frobnicate now'] }), (err: Error) => {
    assert.match(err.message, /^"setupCommands\[1\]" \(frobnicate now\) failed: Undefined command: "frobnicate"/);
    return true;
  });

  const tolerant = await startClient(t);
  const stop = await tolerant.launchAndStop({
    program: basic, snapshotDir: path.join(programs.dir, 'snapshots-tolerant'),
    setupCommands: [{ text: 'frobnicate', description: 'an old habit', ignoreFailures: true }],
  }, [], ['square']);
  assert.match(tolerant.outputText('console'), /"setupCommands\[0\]" \(an old habit\) failed: Undefined command/);
  assert.equal((await tolerant.topFrame(stop.body.threadId)).name, 'square');
});

test('malformed setupCommands and sourceFileMap are refused before gdb starts', async (t) => {
  const dc = await startClient(t);
  await assert.rejects(dc.launch({ program: basic, setupCommands: 'set print pretty on' }), /"setupCommands" must be a list of gdb commands/);
  const again = await startClient(t);
  await assert.rejects(again.launch({ program: basic, setupCommands: [{ description: 'no text' }] }), /"setupCommands\[0\]"\.text must be a non-empty string/);
  const map = await startClient(t);
  await assert.rejects(map.launch({ program: basic, sourceFileMap: { '/build': 3 } }), /"sourceFileMap\.\/build" must be a non-empty string/);
});

test('sourceFileMap: sources moved since the build are found where they are now', async (t) => {
  // Built in one directory, whose sources then move elsewhere (as from a build machine).
  const built = path.join(programs.dir, 'built-here');
  const moved = path.join(programs.dir, 'moved "there"'); // a space and quotes: gdb gets them quoted
  fs.mkdirSync(built);
  fs.copyFileSync(sourceOf('basic.c'), path.join(built, 'basic.c'));
  const program = path.join(programs.dir, 'basic-moved');
  execFileSync('gcc', ['-g', '-O0', '-o', program, path.join(built, 'basic.c')], { stdio: 'pipe' });
  fs.renameSync(built, moved);

  const unmapped = await startClient(t);
  const lost = await unmapped.launchAndStop({ program, snapshotDir: path.join(programs.dir, 'snapshots-unmapped') }, [], ['square']);
  assert.equal((await unmapped.topFrame(lost.body.threadId)).source, undefined, 'without the map the source is not found');

  const dc = await startClient(t);
  const stop = await dc.launchAndStop({
    program, snapshotDir: path.join(programs.dir, 'snapshots-mapped'), sourceFileMap: { [built]: moved },
  }, [], ['square']);
  const frame = await dc.topFrame(stop.body.threadId);
  assert.equal(frame.source?.path, path.join(moved, 'basic.c'));
  assert.equal(find((await dc.scopeVariables(frame.id, 'Arguments')), 'v').value, '0');
});

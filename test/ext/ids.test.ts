/**
 * The ids in src/ids.ts and the contributions in package.json name the same things:
 * every command and view the code uses is contributed, every contributed one is known
 * to the code, and menus and keybindings only use known commands.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Commands, ContextKeys, DEBUG_TYPE, SnapshotContext, Views } from '../../src/ids';

const root = path.resolve(__dirname, '../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const contributes = pkg.contributes;

test('every command id is contributed with a title, and no other ckpt command is', () => {
  const contributed = (contributes.commands as { command: string; title: string }[]);
  const ids = contributed.map((c) => c.command).sort();
  assert.deepEqual(ids, Object.values(Commands).sort());
  for (const c of contributed) {
    assert.match(c.command, /^ckpt\.[a-z][A-Za-z]+$/, `${c.command} follows ckpt.<verb>`);
    assert.ok(c.title && c.title.length > 0, `${c.command} has a title`);
  }
});

test('the views are contributed to Run and Debug, shown by the session context key', () => {
  const views = contributes.views.debug as { id: string; name: string; when: string }[];
  assert.deepEqual(views.map((v) => v.id).sort(), Object.values(Views).sort());
  for (const v of views) {
    assert.match(v.id, /^ckpt\.[a-z][A-Za-z]+$/);
    assert.equal(v.when, ContextKeys.sessionActive, `${v.id} is shown while a ckpt session exists`);
  }
  assert.deepEqual(views.map((v) => v.name), ['Snapshot Timeline', 'Snapshots', 'Resources']);
  assert.equal((views[0] as { type?: string }).type, 'webview', 'the timeline is a webview');
});

test('the debugger type is ckpt with launch and attach attributes from the protocol', () => {
  const [dbg] = contributes.debuggers;
  assert.equal(dbg.type, DEBUG_TYPE);
  assert.equal(dbg.label, 'Checkpoint Debugger');
  const launch = Object.keys(dbg.configurationAttributes.launch.properties);
  for (const k of ['program', 'args', 'cwd', 'env', 'stopOnEntry', 'console', 'snapshotDir', 'gdbPath', 'autoSnapshot']) {
    assert.ok(launch.includes(k), `launch attribute ${k}`);
  }
  assert.deepEqual(Object.keys(dbg.configurationAttributes.attach.properties).sort(), ['gdbPath', 'program', 'setupCommands', 'snapshotDir', 'sourceFileMap']);
  assert.deepEqual(dbg.configurationAttributes.attach.required, ['snapshotDir']);
  for (const [k, v] of Object.entries({ ...dbg.configurationAttributes.launch.properties, ...dbg.configurationAttributes.attach.properties })) {
    const attr = v as { type?: string; description?: string };
    assert.ok(attr.type && attr.description, `${k} has a type and a description`);
  }
  assert.ok(dbg.initialConfigurations.length > 0 && dbg.configurationSnippets.length > 0);
});

test('menus and keybindings use only known commands and views', () => {
  const known = new Set<string>(Object.values(Commands));
  const viewIds = new Set<string>(Object.values(Views));
  for (const [menu, items] of Object.entries(contributes.menus as Record<string, { command: string; when?: string }[]>)) {
    for (const item of items) {
      assert.ok(known.has(item.command), `${menu}: ${item.command} is a known command`);
      for (const m of (item.when ?? '').matchAll(/view == ([\w.]+)/g)) {
        assert.ok(viewIds.has(m[1]), `${menu}: ${m[1]} is a known view`);
      }
    }
  }
  for (const k of contributes.keybindings as { command: string }[]) assert.ok(known.has(k.command));
  const toolbar = contributes.menus['debug/toolBar'] as { command: string; when: string }[];
  assert.ok(toolbar.some((i) => i.command === Commands.saveSnapshot && i.when.includes(`debugType == ${DEBUG_TYPE}`)));
  const inline = (contributes.menus['view/item/context'] as { command: string; group: string }[])
    .filter((i) => i.group.startsWith('inline')).map((i) => i.command).sort();
  assert.deepEqual(inline, [Commands.deleteSnapshot, Commands.restoreSnapshot].sort());
  // Row menus match every snapshot row, the restored one included.
  for (const i of contributes.menus['view/item/context'] as { when: string }[]) {
    const re = /viewItem =~ \/(.+?)\//.exec(i.when);
    assert.ok(re, i.when);
    for (const value of Object.values(SnapshotContext)) assert.match(value, new RegExp(re[1]));
  }
});

test('icons referenced by commands exist in media/ as SVG', () => {
  for (const c of contributes.commands as { command: string; icon?: string | { light: string; dark: string } }[]) {
    if (!c.icon || typeof c.icon === 'string') continue;
    for (const file of [c.icon.light, c.icon.dark]) {
      assert.match(file, /^media\/.+\.svg$/);
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      assert.match(text, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, `${file} is an SVG`);
    }
  }
});

test('the extension entry point and activation events are set', () => {
  assert.equal(pkg.main, './out/dist/extension.js');
  assert.ok(fs.existsSync(path.join(root, pkg.main)), 'the built entry point exists');
  assert.ok((pkg.activationEvents as string[]).includes(`onDebugResolve:${DEBUG_TYPE}`));
});

test('launch.json: console values described, gdb setup in launch and attach, the attach picker offered', () => {
  const dbg = contributes.debuggers[0];
  const { launch, attach } = dbg.configurationAttributes;
  const console = launch.properties.console as { enum: string[]; enumDescriptions: string[] };
  assert.equal(console.enumDescriptions.length, console.enum.length);
  for (const d of console.enumDescriptions) assert.ok(d.length > 20, d);
  for (const attrs of [launch.properties, attach.properties]) {
    assert.equal(attrs.setupCommands.type, 'array');
    assert.deepEqual(attrs.setupCommands.items.anyOf.map((a: { type: string }) => a.type), ['string', 'object']);
    assert.deepEqual(attrs.sourceFileMap.additionalProperties, { type: 'string' });
  }
  const picker = `\${command:${Commands.pickComputation}}`;
  assert.equal(attach.properties.snapshotDir.default, picker);
  const attachSnippet = (dbg.configurationSnippets as { body: Record<string, string> }[]).find((s) => s.body.request === 'attach');
  assert.equal(attachSnippet?.body.snapshotDir, `^"\\${picker}"`);
  assert.ok((dbg.initialConfigurations as Record<string, string>[]).some((c) => c.request === 'attach' && c.snapshotDir === picker));
  // Every snippet uses only attributes the schema knows.
  for (const s of dbg.configurationSnippets as { label: string; body: Record<string, unknown> }[]) {
    const known = Object.keys(dbg.configurationAttributes[s.body.request as 'launch' | 'attach'].properties);
    for (const k of Object.keys(s.body)) assert.ok(['type', 'request', 'name', ...known].includes(k), `${s.label}: ${k}`);
  }
  // The picker is for launch.json, not the Command Palette.
  assert.ok((contributes.menus.commandPalette as { command: string; when: string }[]).some((m) => m.command === Commands.pickComputation && m.when === 'false'));
});

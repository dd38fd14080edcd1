/**
 * Extension-host tests, run inside code-server's extension host against a real debug
 * session of test/workspace (real gdb, the real engine): the commands exist, the views
 * show what the adapter reports about the live program, and errors stay readable.
 * Snapshot save/restore checks live in snapshots.ts (a separate entry point).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { CkptExtensionApi } from '../../../src/extension';
import { Commands } from '../../../src/ids';
import { DynamicConfigurations } from '../../../src/configurationProvider';
import type { ResourceItem } from '../../../src/resourcesView';
import { Debugging, extensionApi, markerLine, startDebugging, workspaceFolder } from './debugSessionHelper';
import { runCases, waitFor } from './harness';
import { isResourceItem } from './treeItems';

export async function run(): Promise<void> {
  let api: CkptExtensionApi;
  let dbg: Debugging | undefined;
  const line = markerLine('#BP1');
  let fdOffsetAtFirstStop = -1;

  async function processRows(): Promise<ResourceItem[]> {
    const rows = await api.resources.getChildren();
    return rows.filter((r): r is ResourceItem => isResourceItem(r));
  }

  await runCases('extension host', [
    {
      name: 'the extension activates and registers every command',
      fn: async () => {
        api = await extensionApi();
        const all = new Set(await vscode.commands.getCommands(true));
        for (const id of Object.values(Commands)) assert.ok(all.has(id), `${id} is registered`);
      },
    },
    {
      name: 'without a session the views are empty and commands answer with a message, not a throw',
      fn: async () => {
        assert.equal(api.tracker.current, undefined);
        assert.deepEqual(await api.snapshots.getChildren(), []);
        assert.deepEqual(await api.resources.getChildren(), []);
        assert.equal(await vscode.commands.executeCommand(Commands.saveSnapshot), undefined);
        assert.equal(await vscode.commands.executeCommand(Commands.restoreSnapshot, 'nothing'), false);
      },
    },
    {
      name: 'F5 on the workspace configuration builds journal.c and stops at #BP1',
      fn: async () => {
        dbg = await startDebugging('#BP1');
        const top = await dbg.topFrame();
        assert.equal(top.line, line);
        assert.equal(top.name.replace(/\(.*$/, ''), 'main');
        assert.equal(await dbg.evaluate('step'), '1');
        assert.equal(api.tracker.current, dbg.session);
        assert.ok(fs.existsSync(`${workspaceFolder().uri.fsPath}/journal`), 'the program was built');
        assert.equal(childNodePids().length, 1, 'the adapter runs as a node child speaking DAP on stdio');
      },
    },
    {
      name: 'Resources shows the live process (vpid → pid), its thread and its files',
      fn: async () => {
        const procs = await waitFor('a process row', async () => { const p = await processRows(); return p.length > 0 ? p : undefined; }, 30_000);
        assert.equal(procs.length, 1);
        const p = procs[0];
        const m = /^(\d+) → (\d+)$/.exec(String(p.label));
        assert.ok(m, `process label "${String(p.label)}" is "vpid → pid"`);
        const pid = Number(m[2]);
        assert.equal(fs.readlinkSync(`/proc/${pid}/exe`), `${workspaceFolder().uri.fsPath}/journal`);
        assert.equal(api.resources.lastTables?.source, 'live');
        const children = (await api.resources.getChildren(p)) as ResourceItem[];
        const threads = children.filter((c) => c.row.kind === 'thread');
        assert.equal(threads.length, 1);
        assert.match(String(threads[0].label), /^\d+ → \d+$/);
        const log = children.find((c) => c.row.kind === 'fd' && /journal\.log/.test(String(c.description)));
        assert.ok(log, `an fd row for journal.log among ${children.map((c) => `${c.label} ${c.description}`).join('; ')}`);
        assert.equal(log.label, '3');
        const off = /@(\d+)$/.exec(String(log.description));
        assert.ok(off, 'the file offset is shown');
        fdOffsetAtFirstStop = Number(off[1]);
        assert.equal(fdOffsetAtFirstStop, 'step 1: 82\n'.length, 'the offset is what the program wrote');
        for (const n of [0, 1, 2]) assert.ok(children.some((c) => c.row.kind === 'fd' && c.label === String(n)), `fd ${n}`);
      },
    },
    {
      name: 'the Snapshots view and the status bar show the session\'s snapshot list: the first stop\'s landmark alone',
      fn: async () => {
        // Only the adapter's landmark of the first stop, in the Automatic group.
        await waitFor('the Automatic group', async () => (await api.snapshots.getChildren()).map((i) => String(i.label)).join() === 'Automatic', 10_000);
        assert.deepEqual((await api.snapshots.list()).snapshots.map((s) => s.label), ['auto: landmark']);
        await waitFor('the status bar count', () => api.status.text === '$(history) 1 snapshot', 10_000);
      },
    },
    {
      name: 'after Continue, Resources follows the live program (the file offset moved on)',
      fn: async () => {
        assert.ok(dbg);
        const stops = dbg.traffic.stops().length;
        await dbg.session.customRequest('continue', { threadId: dbg.threadId });
        assert.equal(await dbg.waitForStop(stops), line);
        assert.equal(await dbg.evaluate('step'), '2');
        const offset = await waitFor('the new offset of journal.log', async () => {
          api.resources.refresh();
          const [p] = await processRows();
          const kids = p ? (await api.resources.getChildren(p)) as ResourceItem[] : [];
          const log = kids.find((c) => /journal\.log/.test(String(c.description)));
          const n = log ? Number(/@(\d+)$/.exec(String(log.description))?.[1]) : NaN;
          return n > fdOffsetAtFirstStop ? n : undefined;
        }, 30_000);
        assert.equal(offset, 'step 1: 82\nstep 2: 41\n'.length);
      },
    },
    {
      name: 'a request the adapter refuses becomes a readable message and the views stay usable',
      fn: async () => {
        // Renaming a snapshot that does not exist: the adapter answers with an error.
        assert.equal(await vscode.commands.executeCommand(Commands.renameSnapshot, { id: 'no-such-snapshot' }, 'x'), false);
        api.resources.inspect({ id: 'no-such-snapshot', time: new Date().toISOString(), size: 0, processes: 0 });
        const rows = await api.resources.getChildren();
        assert.equal(rows.length, 1);
        assert.match(String(rows[0].label), /^Could not read resources: /);
        assert.doesNotMatch(String(rows[0].label), /\n\s+at /, 'no stack trace');
        api.resources.showLive();
        assert.ok((await processRows()).length === 1, 'back to the live tables');
      },
    },
    {
      name: 'the views go away when the session ends',
      fn: async () => {
        assert.ok(dbg);
        await dbg.stop();
        await waitFor('the tracker to drop the session', () => api.tracker.current === undefined, 15_000);
        assert.deepEqual(await api.resources.getChildren(), []);
        assert.deepEqual(await api.snapshots.getChildren(), []);
        dbg = undefined;
      },
    },
    {
      name: 'a configuration that cannot be built or is malformed does not start a session',
      fn: async () => {
        const folder = workspaceFolder();
        const missing = `${folder.uri.fsPath}/no-such-file.c`;
        assert.equal(await vscode.debug.startDebugging(folder,
          { type: 'ckpt', request: 'launch', name: 'broken build', build: missing, program: `${folder.uri.fsPath}/no-such-file` }), false);
        assert.equal(await vscode.debug.startDebugging(folder, { type: 'ckpt', request: 'launch', name: 'no program' }), false);
        assert.equal(await vscode.debug.startDebugging(folder, { type: 'ckpt', request: 'attach', name: 'no dir' }), false);
        assert.equal(api.tracker.current, undefined);
        assert.ok(!fs.existsSync(`${folder.uri.fsPath}/no-such-file`));
      },
    },
    {
      name: 'the dynamic configuration builds and debugs the active C file',
      fn: async () => {
        const source = vscode.Uri.file(`${workspaceFolder().uri.fsPath}/journal.c`);
        await vscode.window.showTextDocument(source);
        const [config] = new DynamicConfigurations().provideDebugConfigurations();
        assert.ok(config, 'a configuration is offered for journal.c');
        assert.equal(config.type, 'ckpt');
        assert.equal(config.name, 'Checkpoint: build and debug journal.c');
        assert.equal(config.build, source.fsPath);
        dbg = await startDebugging('#BP1', config);
        assert.equal((await dbg.topFrame()).line, line);
        assert.equal(await dbg.evaluate('start'), '27');
        await dbg.stop();
        dbg = undefined;
      },
    },
    {
      name: 'the adapter also runs inside the extension host (ckpt.adapter.inProcess)',
      fn: async () => {
        const cfg = vscode.workspace.getConfiguration('ckpt');
        await cfg.update('adapter.inProcess', true, vscode.ConfigurationTarget.Global);
        try {
          const pidsBefore = childNodePids();
          dbg = await startDebugging('#BP1');
          assert.equal((await dbg.topFrame()).line, line);
          assert.equal(await dbg.evaluate('step'), '1');
          assert.deepEqual(childNodePids().filter((p) => !pidsBefore.includes(p)), [], 'no adapter process was started');
          let shown: string[] = [];
          const [p] = await waitFor('a process row', async () => {
            api.resources.refresh();
            const all = await api.resources.getChildren();
            shown = all.map((i) => String(i.label));
            const r = all.filter((i): i is ResourceItem => isResourceItem(i));
            return r.length > 0 ? r : undefined;
          }, 30_000).catch((e: Error) => { throw new Error(`${e.message}; the view showed: ${JSON.stringify(shown)}`); });
          assert.match(String(p.label), /^\d+ → \d+$/);
          await dbg.stop();
          dbg = undefined;
        } finally {
          await cfg.update('adapter.inProcess', undefined, vscode.ConfigurationTarget.Global);
        }
      },
    },
  ], async () => {
    if (dbg) await dbg.stop();
  });
}

/** Node processes that are children of this extension host (stdio debug adapters are). */
function childNodePids(): number[] {
  const pids: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('debugAdapter.js')) pids.push(Number(d));
    } catch { /* gone meanwhile */ }
  }
  return pids;
}

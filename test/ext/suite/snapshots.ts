/**
 * Extension-host tests of the snapshot commands against a real debug session: save
 * (with a label), the Snapshots view and status bar, rename, inspect (Resources shows
 * the snapshot's tables), restore (back at the breakpoint with the earlier values, the
 * row marked), compare with a later snapshot (the memory map opens) and delete. A
 * separate entry point from index.ts, so that each suite starts from a fresh window.
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DiffSnapshotsResult, SnapshotInfo } from '../../../adapter/protocol';
import type { CkptExtensionApi } from '../../../src/extension';
import { Commands, SnapshotContext } from '../../../src/ids';
import type { ResourceItem } from '../../../src/resourcesView';
import { snapshotLabel } from '../../../src/snapshotFormat';
import type { SnapshotItem } from '../../../src/snapshotsView';
import { Debugging, extensionApi, markerLine, startDebugging } from './debugSessionHelper';
import { runCases, waitFor } from './harness';
import { isResourceItem, isSnapshotItem } from './treeItems';

export async function run(): Promise<void> {
  let api: CkptExtensionApi;
  let dbg: Debugging | undefined;
  let saved: SnapshotInfo | undefined;
  const line = markerLine('#BP1');

  async function snapshotItems(): Promise<SnapshotItem[]> {
    return (await api.snapshots.getChildren()).filter((i): i is SnapshotItem => isSnapshotItem(i));
  }

  await runCases('snapshots', [
    {
      name: 'stops at #BP1 with step = 1',
      fn: async () => {
        api = await extensionApi();
        dbg = await startDebugging('#BP1');
        assert.equal((await dbg.topFrame()).line, line);
        assert.equal(await dbg.evaluate('step'), '1');
      },
    },
    {
      name: 'Save Snapshot with a label adds a row and counts it in the status bar',
      fn: async () => {
        assert.ok(dbg);
        const events = dbg.traffic.events('ckpt/snapshotsChanged').length;
        saved = await vscode.commands.executeCommand<SnapshotInfo | undefined>(Commands.saveSnapshot, 'first stop');
        assert.ok(saved, 'the command returns the new snapshot');
        assert.equal(saved.label, 'first stop');
        assert.equal(saved.processes, 1);
        assert.ok(saved.size > 0);
        await waitFor('a ckpt/snapshotsChanged event', () => dbg!.traffic.events('ckpt/snapshotsChanged').length > events, 15_000);
        const items = await waitFor('the row', async () => { const i = await snapshotItems(); return i.length === 1 ? i : undefined; }, 15_000);
        assert.equal(items[0].label, 'first stop');
        assert.match(String(items[0].description), /^\d\d:\d\d:\d\d · .+ · 1 process$/);
        assert.equal(items[0].contextValue, SnapshotContext.snapshot);
        // With the adapter's landmark of the first stop.
        await waitFor('the status bar count', () => api.status.text === '$(history) 2 snapshots', 10_000);
      },
    },
    {
      name: 'Rename changes the row\'s label',
      fn: async () => {
        assert.ok(saved);
        assert.equal(await vscode.commands.executeCommand(Commands.renameSnapshot, saved.id, 'step one'), true);
        await waitFor('the renamed row', async () => (await snapshotItems())[0]?.label === 'step one', 15_000);
      },
    },
    {
      name: 'Inspect shows the snapshot\'s processes and files in Resources',
      fn: async () => {
        assert.ok(saved);
        const [item] = await snapshotItems();
        assert.equal(await vscode.commands.executeCommand(Commands.inspectSnapshot, item), true);
        assert.equal(api.resources.inspected?.id, saved.id);
        const rows = (await api.resources.getChildren()).filter((r): r is ResourceItem => isResourceItem(r));
        assert.equal(api.resources.lastTables?.source, saved.id);
        assert.equal(rows.length, 1);
        const kids = (await api.resources.getChildren(rows[0])) as ResourceItem[];
        assert.ok(kids.some((k) => /journal\.log @11$/.test(String(k.description))), 'the file offset as saved');
        api.resources.showLive();
      },
    },
    {
      name: 'Continue, then Restore: back at #BP1 with step = 1 and the row marked',
      fn: async () => {
        assert.ok(dbg && saved);
        const stops = dbg.traffic.stops().length;
        await dbg.session.customRequest('continue', { threadId: dbg.threadId });
        await dbg.waitForStop(stops);
        assert.equal(await dbg.evaluate('step'), '2');
        const [item] = await snapshotItems();
        assert.equal(await vscode.commands.executeCommand(Commands.restoreSnapshot, item), true);
        await waitFor('step = 1 again', async () => {
          try { return (await dbg!.evaluate('step')) === '1'; } catch { return false; }
        }, 60_000);
        assert.equal((await dbg.topFrame()).line, line);
        assert.equal(await dbg.evaluate('acc.value'), '82');
        const marked = await waitFor('the restored mark', async () => {
          const [i] = await snapshotItems();
          return i?.contextValue === SnapshotContext.restored ? i : undefined;
        }, 15_000);
        assert.match(String(marked.description), /restored$/);
      },
    },
    {
      name: 'the adapter reported the save and the restore as progress (the extension drew none) and invalidated the views after the jump',
      fn: async () => {
        assert.ok(dbg && saved);
        assert.equal(api.adapterProgress.reportsProgress(dbg.session), true, 'VS Code said it draws progress');
        const titles = dbg.traffic.events('progressStart').map((m) => (m.body as { title: string }).title);
        assert.deepEqual(titles, ['Saving a snapshot', `Restoring snapshot ${saved.id}`]);
        assert.equal(dbg.traffic.events('progressEnd').length, 2);
        assert.deepEqual(dbg.traffic.events('invalidated').map((m) => (m.body as { areas: string[] }).areas), [['all']]);
      },
    },
    {
      name: 'the Snapshot Timeline follows the run: the stops, the jump back, the program on the restored snapshot until it runs on',
      fn: async () => {
        assert.ok(dbg && saved);
        const run = api.runs.run(dbg.session);
        assert.ok(run, 'the run tracker follows the session');
        assert.equal(run.stops.length, dbg.traffic.stops().length, 'every stop the editor was told of');
        const jump = run.stops[run.stops.length - 1];
        assert.equal(jump.reason, 'restore');
        assert.equal(jump.restoredTo, saved.id, 'the jump names the snapshot');
        const model = await waitFor('the program on the snapshot in the timeline', () => {
          const m = api.timeline.lastModel;
          return m?.here?.onSnapshot === saved!.id ? m : undefined;
        }, 15_000);
        // The adapter's landmark of the first stop (automatic), then the one saved and restored.
        const landmark = (await api.snapshots.list()).snapshots.find((x) => x.label === 'auto: landmark');
        assert.ok(landmark, 'the landmark of the first stop');
        assert.deepEqual(model.snapshots.map((x) => [x.id, x.kind, x.here, x.restored]), [[landmark.id, 'auto', false, false], [saved.id, 'user', true, true]]);
        assert.deepEqual(model.stops.filter((x) => x.jump).map((x) => x.jump!.to), [saved.id]);
        const stops = dbg.traffic.stops().length;
        await dbg.session.customRequest('continue', { threadId: dbg.threadId });
        await dbg.waitForStop(stops);
        const live = await waitFor('the program live again', () => {
          const m = api.timeline.lastModel;
          return m?.here && !m.here.onSnapshot ? m : undefined;
        }, 15_000);
        assert.equal(live.here?.text, 'now: stopped (breakpoint)');
        const mine = live.snapshots.find((x) => x.id === saved!.id);
        assert.ok(mine?.restored && !mine.here, 'still marked as restored from, no longer where the program is');
      },
    },
    {
      name: 'Compare with… opens the memory map of two snapshots, the later one\'s changed pages counted',
      fn: async () => {
        assert.ok(saved);
        const later = await vscode.commands.executeCommand<SnapshotInfo | undefined>(Commands.saveSnapshot, 'later');
        assert.ok(later);
        const first = await waitFor('the first row', async () => (await snapshotItems()).find((i) => i.snapshot.id === saved!.id), 15_000);
        try {
          const diff = await vscode.commands.executeCommand<DiffSnapshotsResult | undefined>(Commands.compareSnapshot, first, later.id);
          assert.ok(diff, 'the command returns the comparison');
          assert.deepEqual([diff.from, diff.to], [saved.id, later.id]);
          assert.equal(diff.processes.length, 1);
          assert.ok(diff.processes[0].regions.some((g) => (g.changedPages ?? 0) > 0), 'some region changed between the two stops');
          const title = `${snapshotLabel(first.snapshot)} → ${snapshotLabel(later)}`; // the row: renamed above
          await waitFor(`a tab "${title}"`, () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.label === title)), 10_000);
        } finally {
          assert.equal(await vscode.commands.executeCommand(Commands.deleteSnapshot, later.id), true);
        }
        await waitFor('one row again', async () => (await snapshotItems()).length === 1, 15_000);
      },
    },
    {
      name: 'Delete removes the row and the count',
      fn: async () => {
        assert.ok(saved);
        const [item] = await snapshotItems();
        assert.equal(await vscode.commands.executeCommand(Commands.deleteSnapshot, item), true);
        await waitFor('no rows', async () => (await snapshotItems()).length === 0, 15_000);
        await waitFor('the status bar count', () => api.status.text === '$(history) 1 snapshot', 10_000);
        assert.equal(await vscode.commands.executeCommand(Commands.restoreSnapshot, saved.id), false, 'a deleted snapshot cannot be restored');
      },
    },
  ], async () => {
    if (dbg) await dbg.stop();
  });
}

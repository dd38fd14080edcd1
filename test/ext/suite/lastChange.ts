/**
 * Extension-host tests of Find Last Change and of the Snapshots view's group of
 * automatic snapshots, against a real debug session of the example workspace
 * (journal.c from 27: `acc.longest` goes 27 → 82 at step 1, 82 → 124 at step 3,
 * 124 → 142 at step 8). A separate entry point, so that it starts from a fresh window.
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CkptExtensionApi } from '../../../src/extension';
import { Commands, Requests } from '../../../src/ids';
import type { AutomaticGroupItem } from '../../../src/snapshotsView';
import type { SnapshotItem } from '../../../src/snapshotsView';
import { Debugging, LAUNCH_NAME, extensionApi, startDebugging } from './debugSessionHelper';
import { runCases, waitFor } from './harness';
import { isSnapshotItem } from './treeItems';

export async function run(): Promise<void> {
  let api: CkptExtensionApi;
  let dbg: Debugging | undefined;

  async function continueTo(step: number): Promise<void> {
    while (Number(await dbg!.evaluate('acc.step')) < step) {
      const stops = dbg!.traffic.stops().length;
      await dbg!.session.customRequest('continue', { threadId: dbg!.threadId });
      await dbg!.waitForStop(stops);
    }
  }

  await runCases('lastChange', [
    {
      name: 'stops at #BP1 with landmarks every 2 stops',
      fn: async () => {
        api = await extensionApi();
        const config = vscode.workspace.getConfiguration('launch').get<vscode.DebugConfiguration[]>('configurations')!.find((c) => c.name === LAUNCH_NAME)!;
        dbg = await startDebugging('#BP1', { ...config, autoSnapshot: { landmarkEvery: 2 } });
        assert.equal(await dbg.evaluate('acc.step'), '1');
      },
    },
    {
      name: 'Find Last Change on a Variables row goes to step 3, where acc.longest became 124',
      fn: async () => {
        await continueTo(5);
        const stops = dbg!.traffic.stops().length;
        const row = { container: { name: 'Locals' }, variable: { name: 'longest', evaluateName: 'acc.longest', value: '124' } };
        const result = await vscode.commands.executeCommand<{ description: string } | undefined>(Commands.findLastChange, row);
        assert.equal(result?.description, 'acc.longest: 82 → 124');
        await dbg!.waitForStop(stops);
        const stop = dbg!.traffic.stops().at(-1)!;
        assert.equal(stop.body?.reason, 'data breakpoint');
        assert.equal(stop.body?.description, 'acc.longest: 82 → 124');
        assert.equal(await dbg!.evaluate('acc.step'), '3');
      },
    },
    {
      name: 'the Snapshots view lists the automatic landmarks in a group of their own',
      fn: async () => {
        await api.snapshots.list();
        const saved = await vscode.commands.executeCommand<{ id: string } | undefined>(Commands.saveSnapshot, 'mine');
        assert.ok(saved);
        const rows = await waitFor('the user\'s row and the group', async () => {
          api.snapshots.refresh();
          const r = await api.snapshots.getChildren();
          return r.some((i) => isSnapshotItem(i) && i.snapshot.label === 'mine') && r.some((i) => i.label === 'Automatic') ? r : undefined;
        }, 15_000);
        const own = rows.filter((i): i is SnapshotItem => isSnapshotItem(i));
        assert.deepEqual(own.map((i) => i.snapshot.label), ['mine'], 'only the user\'s own at the top');
        const group = rows.find((i) => i.label === 'Automatic') as AutomaticGroupItem;
        const inside = (await api.snapshots.getChildren(group)).filter((i): i is SnapshotItem => isSnapshotItem(i));
        assert.ok(inside.length >= 1);
        assert.ok(inside.every((i) => /^auto:/.test(i.snapshot.label ?? '')), 'the group holds the automatic ones');
        const listed = await dbg!.session.customRequest(Requests.listSnapshots) as { snapshots: unknown[] };
        assert.equal(own.length + inside.length, listed.snapshots.length, 'every snapshot is in the view once');
      },
    },
  ], async () => { await dbg?.stop(); });
}

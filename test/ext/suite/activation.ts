/**
 * The extension's activation time as the editor pays it, for `npm run bench`: in a
 * fresh extension host where nothing has activated it yet, the time VS Code takes to
 * load the extension's code and run its activate() (`Extension.activate()`). A
 * separate entry point, so that each measure starts from a fresh window.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { CkptExtensionApi } from '../../../src/extension';
import { Commands } from '../../../src/ids';
import { EXTENSION_ID } from './debugSessionHelper';
import { runCases } from './harness';

export async function run(): Promise<void> {
  await runCases('activation', [
    {
      name: 'the extension activates from cold',
      fn: async () => {
        const ext = vscode.extensions.getExtension<CkptExtensionApi>(EXTENSION_ID);
        assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
        assert.equal(ext.isActive, false, 'already active before the measure: nothing to measure');
        const t0 = performance.now();
        const api = await ext.activate();
        const activateMs = performance.now() - t0;
        assert.ok(api.snapshots, 'activate() returned the extension\'s API');
        const all = new Set(await vscode.commands.getCommands(true));
        for (const id of Object.values(Commands)) assert.ok(all.has(id), `${id} is registered once activated`);
        return { activateMs: Math.round(activateMs * 10) / 10 };
      },
    },
  ]);
}

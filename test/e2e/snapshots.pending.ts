/**
 * PENDING (not run by `npm test`, whose glob is *.test.js): the snapshot steps of the
 * end-to-end pass, waiting for the debug adapter to answer ckpt/saveSnapshot and
 * ckpt/restoreSnapshot. Run it by hand with
 *   npm run build && node --test out/test/e2e/snapshots.pending.js
 * and rename it to snapshots.test.ts once it passes.
 */
import { after, before, describe, test } from 'node:test';
import { snapshotPass } from './snapshotSteps';
import { markerLine, openWorkbench, reportTimings, setBreakpoint, startDebugging, Workbench } from './workbenchFlow';

describe('snapshots in a real VS Code', { timeout: 600_000 }, () => {
  let wb: Workbench;
  const started = Date.now();
  const line = markerLine('#BP1');

  before(async () => {
    wb = await openWorkbench();
  });

  after(async () => {
    if (!wb) return;
    wb.timings.wholePass = Date.now() - started;
    reportTimings(wb, 'snapshots');
    await wb.close();
  });

  test('save at a breakpoint, continue, restore: back at the line with the earlier values', async () => {
    await setBreakpoint(wb.page, line);
    await startDebugging(wb, line);
    await snapshotPass(wb, line);
  });
});

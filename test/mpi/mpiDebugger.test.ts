/**
 * An Open MPI job in the debugger (the launch option "mpi"): real mpirun,
 * real gdb, the real engine. Every rank is under gdb, a breakpoint in rank
 * 1's branch stops the job there, and a snapshot taken at that stop, restored
 * after the job ended, stops it again in rank 1 at the same line with the same
 * values, and runs on to the end of a plain run. The tests that need Open MPI
 * skip, saying so, where it is missing.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Requests, ViewRequests } from '../../adapter/protocol';
import type { InspectSnapshotResult, ListSnapshotsResult, ResourcesResult, SaveSnapshotResult } from '../../adapter/protocol';
import { Programs, TestClient, startClient } from '../fixtures/dapHarness';
import { resourceRows } from '../../src/snapshotFormat';
import { runPlain, skipUnlessBuilt } from '../processes/fixtures/computation';
import { RANKS_SRC, buildRanks, mpirun, skipUnlessMpi } from './mpiJob';

const programs = new Programs();
let ranks: string;
before(() => {
  if (!skipUnlessMpi) ranks = buildRanks(programs.dir);
});
after(() => programs.dispose());

/** The line of the `// #MARKER` comment in ranks.c. */
function ranksLine(marker: string): number {
  const index = fs.readFileSync(RANKS_SRC, 'utf8').split('\n').findIndex((l) => l.includes(`// #${marker}`));
  assert.ok(index >= 0, `#${marker} in ranks.c`);
  return index + 1;
}

/**
 * mpirun's own arguments: root may run ranks (CI runs as root), more ranks
 * than cores, and the ranks talk through shared memory only. A restore puts
 * each listening TCP port back where it was, and on a machine busy with other
 * jobs a rank's TCP listener's port is sometimes taken by then (the restore is
 * then refused, naming the port); TCP between ranks, restored, is
 * test/mpi/mpi.test.ts's.
 */
const MPIRUN_ARGS = ['--allow-run-as-root', '--oversubscribe', '--mca', 'btl', 'self,vader'];

/**
 * The job's scratch files (its session directory, from TMPDIR, and its
 * shared-memory segments) in a folder of the test's own: the other MPI tests
 * remove the scratch files of /tmp and /dev/shm they did not find at their
 * start, which would be this job's while it runs beside them.
 */
function privateScratch(): { env: Record<string, string>; args: string[] } {
  const dir = path.join(programs.dir, 'scratch');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return { env: { TMPDIR: dir }, args: ['--mca', 'btl_vader_backing_directory', dir] };
}

/** Launches ranks.c as a 2-rank job with a breakpoint at `marker` and waits for the first stop. */
async function launchJob(dc: TestClient, snapshotDir: string, more: Record<string, unknown> = {}, marker = 'RANK1'): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  const scratch = privateScratch();
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      const r = await dc.setBreakpointsRequest({ source: { path: RANKS_SRC }, breakpoints: [{ line: ranksLine(marker) }] });
      assert.equal(r.body.breakpoints.length, 1);
      await dc.configurationDoneRequest();
    }),
    dc.launch({ program: ranks, mpi: { ranks: 2, args: [...MPIRUN_ARGS, ...scratch.args] }, env: scratch.env, snapshotDir, cwd: programs.dir, ...more }),
  ]);
  return stopped;
}

/** Where thread `threadId` stands, and the locals of its top frame that the test compares. */
async function whereAndValues(dc: TestClient, threadId: number): Promise<{ line?: number; file?: string; values: Record<string, string> }> {
  const frame = (await dc.stackTraceRequest({ threadId, startFrame: 0, levels: 1 })).body.stackFrames[0];
  const locals = await dc.scopeVariables(frame.id, 'Locals');
  const values: Record<string, string> = {};
  for (const v of locals) if (['rank', 'size', 'value', 'doubled'].includes(v.name)) values[v.name] = v.value;
  return { line: frame.line, file: frame.source?.path, values };
}

async function threadName(dc: TestClient, threadId: number): Promise<string> {
  const threads = (await dc.threadsRequest()).body.threads;
  return threads.find((t) => t.id === threadId)?.name ?? '';
}

/**
 * Continues thread `threadId` and returns the job's exit code. The job's end
 * goes through mpirun and gdb's report of each process: on a loaded machine
 * that takes longer than a client's usual wait, and a job that never ends
 * fails with what it printed.
 */
async function continueToExit(dc: TestClient, threadId: number): Promise<number> {
  const exited = new Promise<DebugProtocol.ExitedEvent>((resolve) => dc.once('exited', resolve));
  await dc.continueRequest({ threadId });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the job did not end within ${EXIT_TIMEOUT_MS} ms; output:\n${dc.outputText()}`)), EXIT_TIMEOUT_MS);
  });
  try {
    return (await Promise.race([exited, late])).body.exitCode;
  } finally {
    clearTimeout(timer);
  }
}
const EXIT_TIMEOUT_MS = 180000;

/** The stdout of the events from `from` on. */
function stdoutSince(dc: TestClient, from: number): string {
  return dc.outputs.slice(from).filter((o) => o.body.category === 'stdout').map((o) => o.body.output).join('');
}

describe('an Open MPI job in the debugger', { skip: skipUnlessBuilt || skipUnlessMpi }, () => {
  test('2 ranks: a breakpoint in rank 1, a snapshot there, the job restored after its end stops there again', { timeout: 300000 }, async (t) => {
    const plain = await runPlain(mpirun(2, [ranks]));
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^rank 0: value 100\nrank 1: value 407\ntotal 507 over 2 ranks\n$/);

    const dc = await startClient(t);
    const stop = await launchJob(dc, path.join(programs.dir, 'snapshots'));
    assert.equal(stop.body.reason, 'breakpoint');
    const threadId = stop.body.threadId!;
    const line = ranksLine('RANK1');
    const at = await whereAndValues(dc, threadId);
    assert.equal(at.file, RANKS_SRC);
    assert.equal(at.line, line);
    assert.deepEqual(at.values, { rank: '1', size: '2', value: '200', doubled: '400' });
    assert.match(await threadName(dc, threadId), /^\[rank 1, process \d+\] /, 'the stopped thread says its rank');

    // Every rank's threads are in the list, and mpirun's.
    const names = (await dc.threadsRequest()).body.threads.map((th) => th.name);
    assert.ok(names.some((n) => /^\[rank 0, process \d+\] ranks /.test(n)), names.join('\n'));
    assert.ok(names.some((n) => /^\[process \d+\] mpirun /.test(n)), names.join('\n'));

    // The Resources view's tables: each rank's number beside its PIDs, none for mpirun.
    const tables = (await dc.customRequest(Requests.resources, {})).body as ResourcesResult;
    const byRank = tables.processes.map((p) => [path.basename(p.argv[0] ?? ''), p.mpiRank]).sort();
    assert.deepEqual(byRank, [['mpirun', undefined], ['ranks', 0], ['ranks', 1]]);
    const rows = resourceRows(tables).map((r) => /^rank (\d+): \d+ → \d+$/.exec(r.label)?.[1] ?? r.description);
    assert.deepEqual(rows.sort(), ['0', '1', rows.find((r) => r.startsWith('mpirun '))], 'the Resources view names each rank beside its PIDs');
    const rankOne = tables.processes.find((p) => p.mpiRank === 1)!;
    assert.match(await threadName(dc, threadId), new RegExp(`process ${rankOne.pid}\\]`), 'the rank gdb stopped is the engine\'s rank 1');

    const saved = (await dc.customRequest(Requests.saveSnapshot, { label: 'rank 1' })).body as SaveSnapshotResult;
    assert.equal(saved.snapshot.processes, 3, 'mpirun and both ranks are in the snapshot');
    // Looked at without restoring: each process is read with the symbols of what it ran.
    const view = (await dc.customRequest(ViewRequests.inspectSnapshot, { id: saved.snapshot.id })).body as InspectSnapshotResult;
    const [rankOneMain] = view.processes.find((p) => p.vpid === rankOne.vpid)!.threads;
    assert.deepEqual(rankOneMain.frames[0], { name: 'main', file: RANKS_SRC, line });
    assert.deepEqual(rankOneMain.locals.filter((l) => l.name === 'doubled'), [{ name: 'doubled', value: '400' }]);
    const mpirunVpid = tables.processes.find((p) => p.mpiRank === undefined)!.vpid;
    const mpirunTop = view.processes.find((p) => p.vpid === mpirunVpid)!.threads[0].frames[0];
    assert.notEqual(mpirunTop.name, '??', 'mpirun is read with its own symbols');

    const firstRun = dc.outputs.length;
    assert.equal(await continueToExit(dc, threadId), 0, 'mpirun\'s status');
    assert.equal(stdoutSince(dc, firstRun), plain.stdout, 'the job ran on to the end of a plain run');

    // Restored after the end: stopped again in rank 1, at the same line, with the same values.
    const restoredStop = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await dc.customRequest(Requests.restoreSnapshot, { id: saved.snapshot.id }).catch((err: Error) => {
      throw new Error(`${err.message}; output:\n${dc.outputText()}`);
    });
    const again = await restoredStop;
    const thread = again.body.threadId!;
    assert.match(await threadName(dc, thread), /^\[rank 1, process \d+\] /, 'shown in rank 1');
    assert.deepEqual(await whereAndValues(dc, thread), at);
    const restoredNames = (await dc.threadsRequest()).body.threads.map((th) => th.name);
    assert.ok(restoredNames.some((n) => /^\[rank 0, process \d+\] ranks /.test(n)), restoredNames.join('\n'));

    const restoredRun = dc.outputs.length;
    assert.equal(await continueToExit(dc, thread), 0, 'the restored mpirun\'s status');
    assert.equal(stdoutSince(dc, restoredRun), plain.stdout, 'the restored job ran on to the end of a plain run');
  });
});

describe('a breakpoint in an Open MPI job', { skip: skipUnlessBuilt || skipUnlessMpi }, () => {
  test('a line every rank runs stops the job once in each rank', { timeout: 300000 }, async (t) => {
    const dc = await startClient(t);
    const line = ranksLine('ALL');
    let stop = await launchJob(dc, path.join(programs.dir, 'snapshots-all'), {}, 'ALL');
    const ranksStopped: string[] = [];
    for (let i = 0; i < 2; i++) {
      const threadId = stop.body.threadId!;
      assert.equal(stop.body.reason, 'breakpoint');
      const at = await whereAndValues(dc, threadId);
      assert.equal(at.line, line);
      ranksStopped.push(at.values.rank);
      assert.match(await threadName(dc, threadId), new RegExp(`^\\[rank ${at.values.rank}, process \\d+\\] `));
      if (i === 1) break;
      const next = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
      await dc.continueRequest({ threadId });
      stop = await next;
    }
    assert.deepEqual(ranksStopped.sort(), ['0', '1'], 'each rank stopped there');
    // Without a setting: a landmark at the first of these stops where gdb keeps no other rank's hit, and none lost.
    const listed = (await dc.customRequest(Requests.listSnapshots, {})).body as ListSnapshotsResult;
    assert.deepEqual(listed.snapshots.map((s) => s.label), ['auto: landmark'], 'the job\'s landmark for going back');
    assert.equal(await continueToExit(dc, stop.body.threadId!), 0, 'mpirun\'s status');
  });
});

describe('going back in an Open MPI job', { skip: skipUnlessBuilt || skipUnlessMpi }, () => {
  test('Step Back and Reverse Continue in rank 1, then the job runs to its end', { timeout: 300000 }, async (t) => {
    const plain = await runPlain(mpirun(2, [ranks]));
    assert.equal(plain.code, 0, plain.stderr);
    const dc = await startClient(t);
    const stop = await launchJob(dc, path.join(programs.dir, 'snapshots-back'), { autoSnapshot: { landmarkEvery: 1 } });
    const atBreakpoint = await whereAndValues(dc, stop.body.threadId!);
    const step = async (request: () => Promise<unknown>): Promise<number> => {
      const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
      try {
        await request();
        return (await stopped).body.threadId!;
      } catch (err) {
        throw new Error(`${(err as Error).message}; output:\n${dc.outputText()}`);
      }
    };
    let thread = await step(() => dc.nextRequest({ threadId: stop.body.threadId! }));
    const afterOne = await whereAndValues(dc, thread);
    assert.equal(afterOne.values.value, '407', 'rank 1\'s branch ran');
    thread = await step(() => dc.nextRequest({ threadId: thread }));
    assert.notEqual((await whereAndValues(dc, thread)).line, afterOne.line);

    thread = await step(() => dc.stepBackRequest({ threadId: thread }));
    assert.match(await threadName(dc, thread), /^\[rank 1, /);
    assert.deepEqual(await whereAndValues(dc, thread), afterOne, 'one step back: the stop before');
    thread = await step(() => dc.reverseContinueRequest({ threadId: thread }));
    assert.match(await threadName(dc, thread), /^\[rank 1, /);
    assert.deepEqual(await whereAndValues(dc, thread), atBreakpoint, 'reverse continue: the breakpoint\'s hit');

    const from = dc.outputs.length;
    assert.equal(await continueToExit(dc, thread), 0, 'mpirun\'s status');
    assert.equal(stdoutSince(dc, from), plain.stdout);
  });
});

describe('the "mpi" launch option, checked', () => {
  const bad: [config: Record<string, unknown>, message: RegExp][] = [
    [{ mpi: { ranks: 0 } }, /"mpi\.ranks" must be a whole number from 1 to \d+ .*not 0/],
    [{ mpi: { ranks: 2.5 } }, /"mpi\.ranks" must be a whole number .*not 2\.5/],
    [{ mpi: 2 }, /"mpi" must be \{ "ranks": N, "args"/],
    [{ mpi: { ranks: 2, args: '-v' } }, /"mpi\.args" must be a list of strings/],
    [{ mpi: { ranks: 2 }, stopOnEntry: true }, /"stopOnEntry" cannot be used with "mpi"/],
  ];
  for (const [config, message] of bad) {
    test(`${JSON.stringify(config)} is refused, naming what is wrong`, async (t) => {
      const dc = await startClient(t);
      await assert.rejects(dc.launch({ program: programs.build('basic'), ...config }), message);
    });
  }

  test('a missing mpirun is an error that names it', async (t) => {
    const dc = await startClient(t);
    const program = programs.build('basic');
    const empty = path.join(programs.dir, 'no-mpi-here');
    fs.mkdirSync(empty, { recursive: true });
    await assert.rejects(dc.launch({ program, mpi: { ranks: 2 }, env: { PATH: empty } }), (err: Error) => {
      assert.match(err.message, new RegExp(`"mpi": mpirun was not found on the PATH \\(${empty}\\)`));
      return true;
    });
  });
});

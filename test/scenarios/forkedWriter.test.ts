/**
 * Copy-on-write capture: a checkpoint that does not end the program stops it
 * only to capture its threads and kernel state; a forked writer writes the
 * pages while it runs on. The program (forked_writer.c) rewrites all of its
 * memory without pause the whole time, and checks after the restart that what
 * came back is one instant. Killing the writer mid-write fails that snapshot
 * with a message and leaves the program and the earlier snapshot as they were.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ckpt, ckptOk, LineProcess, Run, sleep, snapshotIdFrom, withRun } from './harness';
import { launchUntilReady, restartPasses, withScenarioBinary } from './goScenario';

const TEST_MS = 5 * 60_000;

/** The live (not zombie) image writers among pid's children. */
function liveWriters(pid: number): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const [state, ppid] = stat.slice(close + 2).split(' ');
    if (comm === 'ckpt-writer' && Number(ppid) === pid && state !== 'Z') found.push(Number(name));
  }
  return found;
}

async function programPid(run: Run, dir: string): Promise<number> {
  const ps = await run.notePids(dir);
  assert.ok(ps && ps.length === 1, `one process is running: ${JSON.stringify(ps)}`);
  return ps[0].pid;
}

function sweeps(p: LineProcess): number {
  return p.lines.filter((l) => l.startsWith('sweep ')).length;
}

/** Starts a checkpoint and kills its writer as soon as it shows; false if it finished first. */
async function checkpointWithWriterKilled(dir: string, pid: number): Promise<{ killed: boolean; stderr: string; code: number | null }> {
  const before = new Set(liveWriters(pid));
  const pending = ckpt(['checkpoint', '--dir', dir]);
  let done = false;
  void pending.then(() => (done = true));
  let killed = false;
  while (!done && !killed) {
    for (const w of liveWriters(pid)) {
      if (before.has(w)) continue;
      process.kill(w, 'SIGKILL');
      killed = true;
    }
    if (!killed) await sleep(2);
  }
  const r = await pending;
  return { killed, stderr: r.stderr, code: r.code };
}

test('a forked writer saves one instant of a program that rewrites its memory meanwhile; killing it fails only that snapshot', { timeout: TEST_MS }, () =>
  withScenarioBinary('forked_writer', (bin) =>
    withRun(async (run) => {
      const { dir, go, launch } = await launchUntilReady(run, bin, 'ckpt-fw-');
      const pid = await programPid(run, dir);

      const id = snapshotIdFrom((await ckptOk(['checkpoint', '--dir', dir])).stdout);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'snapshots', id, 'manifest.json'), 'utf8'));
      const proc = manifest.processes[0];
      assert.equal(typeof proc.pauseUs, 'number', 'the manifest gives the pause');
      assert.equal(typeof proc.writeUs, 'number', 'the manifest gives the write time');
      assert.equal(proc.forked, true, 'a forked writer wrote the pages');

      // Killed writers: the snapshot fails, naming the writer; the program runs on.
      let failed = 0;
      for (let attempt = 0; attempt < 5 && failed === 0; attempt++) {
        const r = await checkpointWithWriterKilled(dir, pid);
        if (!r.killed) continue; // the writer was done first: try again
        assert.notEqual(r.code, 0, `a checkpoint whose writer was killed must fail:\n${r.stderr}`);
        assert.match(r.stderr, /image writer \(pid \d+\) ended before the image was complete/);
        failed++;
      }
      assert.equal(failed, 1, 'a writer was killed mid-write');
      const list = JSON.parse((await ckptOk(['list', '--dir', dir, '--json'])).stdout) as { id: string }[];
      assert.deepEqual(list.map((s) => s.id), [id], 'only the complete snapshot is listed');
      // the blocks the killed writer had stored are dropped: the store keeps only what a snapshot holds
      for (const name of fs.readdirSync(path.join(dir, 'blocks'))) {
        assert.ok(fs.lstatSync(path.join(dir, 'blocks', name)).nlink >= 2, `block ${name} is held by a snapshot`);
      }
      const seen = sweeps(launch);
      await launch.waitForLine((l) => l.startsWith('sweep ') && sweeps(launch) > seen + 1);
      assert.ok(!launch.lines.some((l) => l.startsWith('FAIL')), `the program saw the writer:\n${launch.describe()}`);

      await ckptOk(['kill', '--dir', dir]);
      await launch.waitExit();
      await restartPasses(run, dir, id, go, /^sweep /);
    })));

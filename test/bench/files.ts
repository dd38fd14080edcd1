/**
 * `npm run bench`, scenario "files": a program appending to a 100 MiB log it
 * keeps open. Six snapshots while it runs, one line appended between them,
 * then a seventh with --kill: for each, how long the program stood still
 * (pauseMs) and the bytes of the log the snapshot stored anew (the manifest's
 * files.addedBytes: the first holds the whole log, a later one about the line).
 * Then two restarts, timed until the program prints: of the first snapshot
 * (the log on disk is ahead of it: it is put back, 100 MiB written) and of the
 * last (the log is as the snapshot holds it: compared, not written). The same
 * with the file records off (CKPT_FILES_MAX=0: the log is only checked), for
 * the cost of the records next to none.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CKPT_JS, ckptOk, Run, snapshotIdFrom, WAIT_MS, withRun } from '../scenarios/harness';

const LOG_MIB = 100;
const LATER = 6;

interface Listed {
  id: string;
  pauseMs: number | null;
}

const round = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `ckpt restart` of id until the program prints `alive` (it is told to end at once). */
async function timedRestart(run: Run, dir: string, id: string, go: string): Promise<number> {
  fs.writeFileSync(go, '');
  const t0 = process.hrtime.bigint();
  const restart = run.restart(dir, id);
  await restart.waitForLine(/^alive$/, 0, WAIT_MS * 2);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await restart.waitExit();
  return ms;
}

async function oneRun(bin: string, log: (msg: string) => void, withRecords: boolean): Promise<Record<string, unknown>> {
  return withRun(async (run: Run) => {
    const work = run.tempDir('ckpt-bench-files-');
    const dir = path.join(work, 'ckpt');
    const go = path.join(work, 'go');
    const logFile = path.join(work, 'log');
    const env = withRecords ? process.env : { ...process.env, CKPT_FILES_MAX: '0' };
    const launch = run.start('ckpt launch logger', process.execPath, [CKPT_JS, 'launch', '--dir', dir, '--', bin, logFile, String(LOG_MIB), go], env);
    const at = await launch.waitForLine(/^ready \d+$/, 0, WAIT_MS * 2);
    const pid = Number(launch.lines[at].split(' ')[1]);
    const cliMs: number[] = [];
    for (let i = 0; i <= LATER; i++) {
      if (i > 0) {
        process.kill(pid, 'SIGUSR1');
        await launch.waitForLine((l) => l === `appended ${i}`, 0, WAIT_MS);
      }
      log(`files (${withRecords ? 'with' : 'without'} records): snapshot ${i + 1}/${LATER + 2}`);
      const cp = await ckptOk(['checkpoint', '--dir', dir, ...(i === LATER ? ['--kill'] : [])], WAIT_MS * 2);
      snapshotIdFrom(cp.stdout);
      cliMs.push(cp.ms);
    }
    await launch.waitExit();
    const listed = JSON.parse((await ckptOk(['list', '--dir', dir, '--json'])).stdout) as Listed[];
    const fileAdded = listed.map((s) => {
      const m = JSON.parse(fs.readFileSync(path.join(dir, 'snapshots', s.id, 'manifest.json'), 'utf8')) as {
        processes: { files?: { addedBytes: number } }[];
      };
      return m.processes[0].files?.addedBytes ?? 0;
    });
    // The log on disk is ahead of the first snapshot: that restart puts it back.
    const rolledBackMs = await timedRestart(run, dir, listed[0].id, go);
    // Now it is the first snapshot's log: put back again for the last one.
    const forwardMs = await timedRestart(run, dir, listed[listed.length - 1].id, go);
    // And once more the last: the log on disk is the snapshot's already.
    const sameMs = await timedRestart(run, dir, listed[listed.length - 1].id, go);
    const pauses = listed.map((s) => s.pauseMs ?? 0);
    return {
      pauseMs: pauses.map(round),
      medianLaterPauseMs: round(median(pauses.slice(1))),
      cliCheckpointMs: cliMs.map(round),
      logBytesStored: fileAdded,
      restart: { logPutBackMs: round(rolledBackMs), logPutBackAgainMs: round(forwardMs), logUnchangedMs: round(sameMs) },
    };
  });
}

export async function filesBench(bin: string, log: (msg: string) => void): Promise<Record<string, unknown>> {
  const withRecords = await oneRun(bin, log, true);
  const without = await oneRun(bin, log, false);
  return {
    logMiB: LOG_MIB,
    note: 'one line (about 50 bytes) appended between snapshots; the last snapshot is taken with --kill; ' +
      'restart times are until the program prints, through the ckpt command',
    withFileRecords: withRecords,
    withoutFileRecords: { ...without, note: 'CKPT_FILES_MAX=0: the log is only checked' },
  };
}

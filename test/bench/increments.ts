/**
 * `npm run bench`, scenario "increments": a 1 GiB program that rewrites 1% of
 * its pages between ten snapshots taken while it runs (no --kill). For each
 * snapshot: how long the program stood still (pauseMs from `ckpt list --json`),
 * the wall time of `ckpt checkpoint` and, measured right after it, that of the
 * same command's own start-up (`ckpt --help`, the same script), so that the
 * time the checkpoint itself took is their difference; the bytes it added to the snapshot
 * directory (addedBytes). Then the tenth is restarted: the engine's restoreUs and
 * the command's time until the program prints. Next to them, in the same run,
 * the physical limit: the time to write the program's resident memory once to
 * the same disk (to the page cache, as the engine writes; no fsync).
 * Run twice: with the kernel's write-protection tracking (mode "uffd-wp") and
 * with the changed pages found by their hashes (mode "hash", CKPT_TRACKING).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ckpt, ckptOk, Run, snapshotIdFrom, WAIT_MS, withRun } from '../scenarios/harness';

const MIB = 1024;
const SNAPSHOTS = 10;
/** Targets: pause per snapshot (ms), bytes added per later snapshot (MiB), restart (ms). */
export const INCREMENT_TARGETS = { pauseMs: 20, addedMiB: 30, restartMs: 100, cliOverStartupMs: 30 };

interface Listed {
  id: string;
  pauseMs: number | null;
  addedBytes: number;
}

/** Writes `bytes` of non-zero data to a new file in dir and returns the ms it took. */
function physicalWriteMs(dir: string, bytes: number): number {
  const file = path.join(dir, 'physical-limit.bin');
  const chunk = Buffer.alloc(64 << 20, 0x5a);
  const fd = fs.openSync(file, 'w', 0o600);
  const t0 = process.hrtime.bigint();
  try {
    for (let done = 0; done < bytes; done += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - done));
    return Number(process.hrtime.bigint() - t0) / 1e6;
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}

/**
 * The floor of any restart that puts every page back before the program runs:
 * the ms to fill `bytes` of new memory once (fresh pages, faulted in and
 * written), in this process.
 */
function physicalFillMs(bytes: number): number {
  const t0 = process.hrtime.bigint();
  const b = Buffer.alloc(bytes, 0x5a);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (b[bytes - 1] !== 0x5a) throw new Error('the fill did not happen');
  return ms;
}

function resident(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const round = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);

export async function incrementsBench(
  bin: string,
  log: (msg: string) => void,
  engineRestore: (dir: string, id: string) => Promise<number | null>,
  tracking: 'uffd-wp' | 'hash' = 'uffd-wp',
): Promise<Record<string, unknown>> {
  return withRun(async (run: Run) => {
    const work = run.tempDir('ckpt-bench-incr-');
    const dir = path.join(work, 'ckpt');
    const go = path.join(work, 'go');
    execFileSync('sync');
    // mode "hash": the changed pages found by comparing page hashes
    const env = tracking === 'hash' ? { ...process.env, CKPT_TRACKING: 'hash' } : undefined;
    const launch = run.launch(dir, bin, [String(MIB), go], env);
    const at = await launch.waitForLine(/^ready \d+$/, 0, WAIT_MS * 2);
    const pid = Number(launch.lines[at].split(' ')[1]);
    const residentBytes = resident(pid);
    const cliMs: number[] = [];
    const startupMs: number[] = [];
    for (let i = 1; i <= SNAPSHOTS; i++) {
      if (i > 1) {
        process.kill(pid, 'SIGUSR1');
        await launch.waitForLine((l) => l === `rewritten ${i - 1}`, 0, WAIT_MS);
      }
      log(`increments (${tracking}): snapshot ${i}/${SNAPSHOTS}`);
      const cp = await ckptOk(['checkpoint', '--dir', dir], WAIT_MS * 2);
      snapshotIdFrom(cp.stdout);
      cliMs.push(cp.ms);
      const help = await ckpt(['--help']);
      startupMs.push(help.ms);
    }
    const listed = JSON.parse((await ckptOk(['list', '--dir', dir, '--json'])).stdout) as Listed[];
    const physicalMs = physicalWriteMs(work, residentBytes);
    const fillMs = physicalFillMs(residentBytes);

    await ckptOk(['kill', '--dir', dir]);
    await launch.waitExit();
    const tenth = listed[listed.length - 1].id;
    fs.writeFileSync(go, '');
    const t0 = process.hrtime.bigint();
    const restart = run.restart(dir, tenth);
    await restart.waitForLine(/^alive/, 0, WAIT_MS * 2);
    const cliRestartMs = Number(process.hrtime.bigint() - t0) / 1e6;
    await restart.waitExit();
    const restoreMs = await engineRestore(dir, tenth);

    const pauses = listed.map((s) => s.pauseMs);
    const later = listed.slice(1);
    const maxLaterPause = Math.max(...later.map((s) => s.pauseMs ?? Infinity));
    const overStartup = cliMs.map((ms, i) => ms - startupMs[i]);
    const maxLaterOverStartup = Math.max(...overStartup.slice(1));
    const maxLaterAddedMiB = Math.max(...later.map((s) => s.addedBytes)) / 2 ** 20;
    const t = INCREMENT_TARGETS;
    return {
      tracking,
      mib: MIB,
      snapshots: listed.length,
      rewrittenPerSnapshot: '1% of the pages',
      residentBytes,
      pauseMs: pauses.map(round),
      cliCheckpointMs: cliMs.map(round),
      cliStartupMs: startupMs.map(round),
      cliOverStartupMs: overStartup.map(round),
      addedBytes: listed.map((s) => s.addedBytes),
      restartOfTenth: { engineMs: round(restoreMs), cliMs: round(cliRestartMs) },
      physicalLimit: {
        writeResidentMs: round(physicalMs),
        note: 'resident memory written once to the same disk (page cache, no fsync)',
        fillResidentMs: round(fillMs),
        fillNote: 'new memory of the resident size faulted in and written once: the floor of a restart that restores every page before the program runs',
      },
      targets: t,
      meetsTarget: {
        pauseFirst: pauses[0] !== null && pauses[0] <= t.pauseMs,
        pauseLater: maxLaterPause <= t.pauseMs,
        addedLater: maxLaterAddedMiB <= t.addedMiB,
        cliLater: maxLaterOverStartup <= t.cliOverStartupMs,
        restart: restoreMs !== null && restoreMs <= t.restartMs,
      },
    };
  });
}

/**
 * Open MPI jobs (Debian's openmpi-bin, real ranks) under `ckpt launch --
 * mpirun ...`: saved with --kill in the middle of the run and restarted twice
 * from the same snapshot. Each restarted job must end as an uninterrupted run
 * does (its output completes the first run's to that of a plain run, mpirun
 * exits 0), each restored process must hold the descriptors it had, and the
 * job's scratch files in /dev/shm and the temporary directory must be gone
 * once it has ended. The tests skip, saying so, where Open MPI is missing.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, describe, test } from 'node:test';
import { checkpoint, computationPids, finish, launch, restart, runPlain, skipUnlessBuilt, Workspace } from '../processes/fixtures/computation';
import { waitForProcesses } from '../processes/fixtures/waiting';
import { buildRing, mpiLeftovers, mpirun, skipUnlessMpi } from './mpiJob';

const ws = new Workspace();
const leftAtStart = new Set(skipUnlessMpi ? [] : mpiLeftovers());
after(() => {
  ws.cleanup();
  // what the jobs killed by a failed test left
  for (const f of skipUnlessMpi ? [] : mpiLeftovers()) if (!leftAtStart.has(f)) fs.rmSync(f, { recursive: true, force: true });
});

const ROUNDS = 200;
let ring: string | undefined;

/** fd counts of the computation's processes as the kernel shows them, sorted. */
function fdCounts(dir: string): number[] {
  return computationPids(dir)
    .map((pid) => fs.readdirSync(`/proc/${pid}/fd`).length)
    .sort((a, b) => a - b);
}

async function job(name: string, np: number, size: number, btl?: string): Promise<void> {
  ring ??= buildRing(ws.root);
  const before = mpiLeftovers();
  const plain = await runPlain(mpirun(np, [ring, String(ROUNDS), String(size), ws.openGate(`${name}-plain`)], btl));
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, new RegExp(`\\nround ${ROUNDS - 1} sum ${((np * (np + 1)) / 2) * ROUNDS} total \\d+\\ndone ${np} ranks ${ROUNDS} rounds\\n$`));

  const dir = ws.dir(name);
  const gate = ws.gate(name);
  const run = launch(dir, mpirun(np, [ring, String(ROUNDS), String(size), gate], btl));
  // mpirun closes its stdin at end of file: at once here, as in the restarts
  run.endInput();
  await run.waitForStdout(/^round 20 /m, 120000);
  await waitForProcesses(dir, np + 1, run);
  const counts = fdCounts(dir);
  const saved = await checkpoint(dir, '--kill');
  assert.equal(saved.code, 0, saved.stderr);
  const first = await finish(run, dir);
  assert.doesNotMatch(first.stdout, /^done/m, 'saved before the end');
  fs.writeFileSync(gate, '');

  for (const round of [1, 2]) {
    const again = restart(dir, saved.id!);
    if (round === 1) {
      await waitForProcesses(dir, np + 1, again);
      assert.deepEqual(fdCounts(dir), counts, 'each restored process holds as many descriptors as it had');
    }
    const r = await finish(again, dir);
    assert.equal(r.code, 0, `restart ${round}: mpirun's status; stderr:\n${r.stderr}`);
    assert.equal(first.stdout + r.stdout, plain.stdout, `restart ${round}: the output of an uninterrupted run`);
    assert.deepEqual(mpiLeftovers(), before, `restart ${round}: nothing left in /dev/shm or the temporary directory`);
  }
}

describe('Open MPI jobs restarted twice from one snapshot', { skip: skipUnlessBuilt || skipUnlessMpi }, () => {
  for (const np of [2, 3, 4]) {
    test(`${np} ranks, default transports (shared memory and TCP)`, { timeout: 600000 }, () => job(`np${np}`, np, 100));
    test(`${np} ranks, TCP only (--mca btl self,tcp)`, { timeout: 600000 }, () => job(`np${np}-tcp`, np, 100, 'self,tcp'));
  }
  test('3 ranks moving 64 KiB messages (shared memory, single-copy reads by PID)', { timeout: 600000 }, () => job('np3-64k', 3, 65536));
});

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
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { checkpoint, computationPids, finish, launch, restart, runCkpt, runPlain, skipUnlessBuilt, Workspace } from '../processes/fixtures/computation';
import { waitForProcesses } from '../processes/fixtures/waiting';
import { buildRing, mpiLeftovers, mpirun, mpiStrays, skipUnlessMpi } from './mpiJob';

const ws = new Workspace();
const leftAtStart = skipUnlessMpi ? [] : mpiLeftovers();
after(async () => {
  ws.cleanup();
  // what the jobs killed by a failed test left (never what a running job uses)
  for (const f of skipUnlessMpi ? [] : await mpiStrays(leftAtStart)) fs.rmSync(f, { recursive: true, force: true });
});

const ROUNDS = 200;
/** Debian's python3-mpi4py is for Debian's own python3. */
const SYSTEM_PYTHON = '/usr/bin/python3';
const skipUnlessMpi4py =
  skipUnlessMpi || spawnSync(SYSTEM_PYTHON, ['-c', 'import mpi4py'], { stdio: 'ignore' }).status !== 0
    ? 'mpi4py is not installed for /usr/bin/python3: apt-get install python3-mpi4py'
    : false;

/** ring.c's job in Python: the same lines, so that the same checks apply. */
const RING_PY = String.raw`
import os, sys, time
from mpi4py import MPI
comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
rounds, gate = int(sys.argv[1]), sys.argv[2]
total = 0
for r in range(rounds):
    if r == rounds - rounds // 4:
        if rank == 0:
            while not os.path.exists(gate):
                time.sleep(0.02)
        comm.Barrier()
    mine = bytes([(r * 31 + rank * 7 + i) % 256 for i in range(256)]) * 32
    got = comm.sendrecv(mine, dest=(rank + 1) % size, source=(rank - 1) % size)
    prev = (rank - 1) % size
    bad = int(got != bytes([(r * 31 + prev * 7 + i) % 256 for i in range(256)]) * 32)
    s = comm.allreduce((rank + 1) * (r + 1) + bad * 1000000)
    total += s
    if rank == 0:
        print("round", r, "sum", s, "total", total, flush=True)
    time.sleep(0.01)
if rank == 0:
    print("done", size, "ranks", rounds, "rounds", flush=True)
`;
let ring: string | undefined;

/** fd counts of the computation's processes as the kernel shows them, sorted. */
function fdCounts(dir: string): number[] {
  return computationPids(dir)
    .map((pid) => fs.readdirSync(`/proc/${pid}/fd`).length)
    .sort((a, b) => a - b);
}

/** The C ring (ring.c) of np ranks with messages of `size` bytes, waiting for `gate`. */
function cRing(np: number, size: number, btl?: string): (gate: string) => string[] {
  return (gate) => mpirun(np, [(ring ??= buildRing(ws.root)), String(ROUNDS), String(size), gate], btl);
}

async function job(name: string, np: number, argv: (gate: string) => string[]): Promise<void> {
  const before = mpiLeftovers();
  const plain = await runPlain(argv(ws.openGate(`${name}-plain`)));
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, new RegExp(`\\nround ${ROUNDS - 1} sum ${((np * (np + 1)) / 2) * ROUNDS} total \\d+\\ndone ${np} ranks ${ROUNDS} rounds\\n$`));

  const dir = ws.dir(name);
  const gate = ws.gate(name);
  const run = launch(dir, argv(gate));
  // mpirun closes its stdin at end of file: at once here, as in the restarts
  run.endInput();
  await run.waitForStdout(/^round 20 /m, 120000);
  await waitForProcesses(dir, np + 1, run);
  const counts = fdCounts(dir);
  const live = await runCkpt(['status', '--dir', dir, '--json']);
  assert.equal(live.code, 0, live.stderr);
  const saved = await checkpoint(dir, '--kill');
  assert.equal(saved.code, 0, saved.stderr);
  // Each rank's number, in the live tables and in the snapshot's (mpirun has none).
  const ranks = (json: string) => (JSON.parse(json) as { processes: { mpiRank?: number }[] }).processes.map((p) => p.mpiRank).filter((r) => r !== undefined).sort();
  const all = Array.from({ length: np }, (_, i) => i);
  assert.deepEqual(ranks(live.stdout), all, 'ckpt status');
  const inspected = await runCkpt(['inspect', '--dir', dir, '--json', saved.id!]);
  assert.equal(inspected.code, 0, inspected.stderr);
  assert.deepEqual(ranks(inspected.stdout), all, 'ckpt inspect');
  const text = await runCkpt(['inspect', '--dir', dir, saved.id!]);
  assert.equal((text.stdout.match(/, MPI rank \d+\)/g) ?? []).length, np, text.stdout);
  const first = await finish(run, dir);
  assert.doesNotMatch(first.stdout, /^done/m, 'saved before the end');

  for (const round of [1, 2]) {
    const again = restart(dir, saved.id!);
    if (round === 1) {
      // the gate still closed: the restored job waits before its last rounds
      // while its processes are counted (open, it may end before that)
      await waitForProcesses(dir, np + 1, again);
      assert.deepEqual(fdCounts(dir), counts, 'each restored process holds as many descriptors as it had');
      fs.writeFileSync(gate, '');
    }
    const r = await finish(again, dir);
    assert.equal(r.code, 0, `restart ${round}: mpirun's status; stderr:\n${r.stderr}`);
    assert.equal(first.stdout + r.stdout, plain.stdout, `restart ${round}: the output of an uninterrupted run`);
    assert.deepEqual(await mpiStrays(before), [], `restart ${round}: nothing left in /dev/shm or the temporary directory`);
  }
}

describe('Open MPI jobs restarted twice from one snapshot', { skip: skipUnlessBuilt || skipUnlessMpi }, () => {
  for (const np of [2, 3, 4]) {
    test(`${np} ranks, default transports (shared memory and TCP)`, { timeout: 600000 }, () => job(`np${np}`, np, cRing(np, 100)));
    test(`${np} ranks, TCP only (--mca btl self,tcp)`, { timeout: 600000 }, () => job(`np${np}-tcp`, np, cRing(np, 100, 'self,tcp')));
  }
  test('3 ranks moving 64 KiB messages (shared memory, single-copy reads by PID)', { timeout: 600000 }, () => job('np3-64k', 3, cRing(3, 65536)));
  test('3 ranks of a Python ring (mpi4py, 8 KiB messages)', { timeout: 600000, skip: skipUnlessMpi4py }, () => {
    const script = path.join(ws.root, 'ring.py');
    fs.writeFileSync(script, RING_PY);
    return job('mpi4py', 3, (gate) => mpirun(3, [SYSTEM_PYTHON, script, String(ROUNDS), gate]));
  });
});

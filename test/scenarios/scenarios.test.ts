/**
 * Engine scenarios in the shape of CRIU's ZDTM suite, run through the real
 * `ckpt` command line: each C program builds some state, prints `ready`, is
 * checkpointed with --kill and restarted, and then checks its own state.
 * Real programs that no one here wrote (perl, bzip2, gzip) are checkpointed
 * mid-run and must end exactly as an uninterrupted run does.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ckptOk, engineMissing, LineProcess, Run, sleep, snapshotIdFrom, WAIT_MS, withRun } from './harness';
import { scenarioBinaries } from './compileScenario';
import { sequenceBreak, numbered } from './outputRules';
import { runPlain, which } from './realPrograms';

const TEST_MS = 10 * 60_000;

/** The compiled program (built once, on first use). */
const binary = scenarioBinaries('ckpt-scenario-bin-');

function requireEngine(): void {
  const missing = engineMissing();
  if (missing) assert.fail(`the engine is not built: ${missing}`);
}

/** Waits until the restarted computation shows up in `ckpt status` (noting its pids). */
async function waitRestored(run: Run, dir: string, restart: LineProcess): Promise<void> {
  for (let i = 0; i < 300 && !restart.exit; i++) {
    const ps = await run.notePids(dir);
    if (ps && ps.length > 0) return;
    await sleep(100);
  }
  // Not listed (or status broken): the go file is still a valid trigger, since
  // the program only looks for it in the loop it was restored into.
}

/** A scenario program started in a work directory of its own, past its `ready`. */
interface Launched {
  /** The computation's snapshot directory. */
  dir: string;
  /** The file whose creation tells the program to check itself and end. */
  go: string;
  launch: LineProcess;
}

async function launchReady(run: Run, name: string, bin: string): Promise<Launched> {
  const work = run.tempDir(`ckpt-scn-${name}-`);
  const dir = path.join(work, 'ckpt');
  const go = path.join(work, 'go');
  const launch = run.launch(dir, bin, [go, work]);
  await launch.waitForLine(/^ready$/);
  return { dir, go, launch };
}

/** Tells a restarted program to check itself; expects its PASS and exit status 0. */
async function expectPass(proc: LineProcess, go: string, what: string): Promise<void> {
  fs.writeFileSync(go, '');
  const at = await proc.waitForLine(/^(PASS|FAIL)/);
  const exit = await proc.waitExit();
  assert.equal(proc.lines[at], 'PASS', `${what}: ${proc.lines[at]}\n${proc.describe()}`);
  assert.equal(exit.code, 0, `ckpt restart should exit with the program's status 0\n${proc.describe()}`);
}

interface Scenario {
  /** Program name: test/scenarios/NAME.c */
  name: string;
  what: string;
  /** Extra rule on the output before the checkpoint and after the restart. */
  check?: (before: string[], after: string[]) => void;
}

/** One checkpoint --kill, one restart, then the program checks itself. */
async function checkpointRestartCheck(s: Scenario): Promise<void> {
  requireEngine();
  const bin = await binary(s.name);
  await withRun(async (run) => {
    const { dir, go, launch } = await launchReady(run, s.name, bin);
    const id = await run.checkpointKill(dir, launch);
    await launch.waitExit();
    assert.ok(
      !launch.lines.some((l) => /^(PASS|FAIL)/.test(l)),
      `the program finished before the restart:\n${launch.describe()}`,
    );

    const restart = run.restart(dir, id);
    await waitRestored(run, dir, restart);
    await expectPass(restart, go, s.name);
    assert.ok(!restart.lines.includes('ready'), `the program started over instead of continuing:\n${restart.describe()}`);
    s.check?.(launch.lines, restart.lines);
  });
}

const SCENARIOS: Scenario[] = [
  {
    name: 'counter',
    what: 'a busy counter loop continues without losing or repeating a tick',
    check: (b, a) => assert.equal(sequenceBreak([b, a], 'tick'), undefined),
  },
  { name: 'heap256', what: '256 MiB of heap keep their contents and checksum' },
  {
    name: 'threads',
    what: '8 threads: a held error-checking mutex, a condition wait, pthread_kill, join',
  },
  { name: 'pthread_tid', what: 'pthread_getattr_np, affinity, CPU clocks, scheduling, names and pthread_cancel reach threads whose TIDs changed' },
  { name: 'tls', what: 'thread-local variables of four threads' },
  { name: 'files', what: 'a file being written and one being read continue at their offsets' },
  { name: 'signals', what: 'handlers, blocked set, alternate stack and pending signals' },
  { name: 'itimer', what: 'ITIMER_REAL and ITIMER_PROF stay armed and fire' },
  { name: 'posix_timer', what: 'a POSIX timer stays armed and fires with its value' },
  { name: 'posix_timer_thread', what: 'a POSIX timer that runs a function in a thread (SIGEV_THREAD) keeps firing' },
  { name: 'ids', what: 'getpid(), gettid() and syscall(SYS_gettid) are unchanged; process_vm_readv(getpid()) reads its own memory' },
  { name: 'getcpu', what: 'sched_getcpu() is right after the restart (rseq re-registered)' },
  { name: 'vdso_clock', what: 'clocks read through the vDSO agree with the kernel after the restart' },
  { name: 'fpu', what: 'x87, ymm0-15, zmm16-24 and k1 registers and MXCSR survive' },
  { name: 'memory_layout', what: 'program break, guard and read-only pages, private and shared mappings, sparse memory' },
  { name: 'restorer_window', what: 'memory where the restorer first lives is restored by the restorer built for its other window' },
  { name: 'process_state', what: 'cwd, umask, resource limits, personality and thread names' },
  { name: 'locale_iconv', what: 'a UTF-8 locale and an open iconv converter keep working' },
  { name: 'blocking_syscalls', what: 'threads blocked in read, poll, sigwaitinfo, epoll_wait, a mutex and join complete when woken' },
  { name: 'deleted_files', what: 'tmpfile(), an unlinked read-only file and an O_TMPFILE file keep their bytes, offsets and modes' },
  { name: 'file_locks', what: 'an flock and a POSIX record lock are still held after the restart' },
  { name: 'pty_pair', what: 'a pseudo-terminal pair the program made comes back as a new pair that carries lines both ways, echo still off, with the line that waited in it' },
  { name: 'pidfd', what: 'a pidfd on a child names it under its new PID: poll and waitid(P_PIDFD) see it exit' },
  { name: 'fd_kinds', what: 'eventfd, epoll, signalfd, timerfd, dup()ed and O_APPEND descriptors keep their state' },
  { name: 'socketpair', what: 'stream and datagram socket pairs keep the data in flight' },
  { name: 'tcp_ports', what: 'a loopback TCP connection and its listener keep their bytes in flight and their port numbers' },
  { name: 'dgram_children', what: 'datagram and seqpacket records in flight between a parent and its child come back once each' },
  { name: 'inotify', what: 'inotify watches come back at the same fd with the same descriptors, a removed one included' },
  { name: 'shared_memory', what: 'anonymous shared, SysV and memfd memory stay shared between a parent and its child' },
  { name: 'pipe_self', what: 'a pipe inside one process keeps its unread data and flags' },
  { name: 'fork_pipe', what: 'parent and child joined by a full pipe lose and repeat no record' },
  { name: 'children', what: 'an unreaped exited child and a child that exits after the restart are both reaped with their statuses' },
  { name: 'exec_identity', what: 'programs exec\'d, spawned or run by system() after the restart see the virtual PIDs of their parents' },
  { name: 'wait_blocked', what: 'waitpid and waitid blocked on one child at the checkpoint reap it after the restart' },
  { name: 'orphan_ppid', what: 'getppid() names a live parent by its virtual PID and an adopted orphan\'s new parent as the kernel does' },
  { name: 'coprocess', what: 'a child running /bin/cat on two pipes keeps the conversation going' },
];

for (const s of SCENARIOS) {
  test(`scenario ${s.name}: ${s.what}`, { timeout: TEST_MS }, () => checkpointRestartCheck(s));
}

test('scenario replay: one snapshot restarted three times continues identically each time', { timeout: TEST_MS }, async () => {
  requireEngine();
  const bin = await binary('replay');
  await withRun(async (run) => {
    const { dir, go, launch } = await launchReady(run, 'replay', bin);
    const id = await run.checkpointKill(dir, launch);
    await launch.waitExit();
    const launchSteps = numbered(launch.lines, 'step');
    const lastBefore = launchSteps[launchSteps.length - 1];

    const runs: string[][] = [];
    for (let i = 0; i < 3; i++) {
      fs.rmSync(go, { force: true });
      const restart = run.restart(dir, id);
      // Let it print a number of steps of its own before asking it to stop.
      await restart.waitForLine((l) => numbered([l], 'step')[0] >= lastBefore + 8);
      await expectPass(restart, go, `restart ${i + 1}`);
      const steps = restart.lines.filter((l) => l.startsWith('step '));
      assert.equal(
        sequenceBreak([launch.lines, steps], 'step'),
        undefined,
        `restart ${i + 1} does not continue where the snapshot was taken:\n${restart.describe()}`,
      );
      runs.push(steps);
    }
    const common = Math.min(...runs.map((r) => r.length));
    assert.ok(common >= 8, `each run printed at least 8 steps (shortest: ${common})`);
    for (let i = 1; i < runs.length; i++) {
      assert.deepEqual(runs[i].slice(0, common), runs[0].slice(0, common), `restart ${i + 1} printed other lines than restart 1`);
    }
  });
});

test('scenario busy_threads: 15 checkpoints while 16 threads run, then restarts of an early and of the last snapshot', { timeout: TEST_MS }, async () => {
  requireEngine();
  const bin = await binary('busy_threads');
  await withRun(async (run) => {
    const { dir, go, launch } = await launchReady(run, 'busy_threads', bin);
    const ids: string[] = [];
    for (let i = 1; i <= 15; i++) {
      let id: string;
      try {
        id = snapshotIdFrom((await ckptOk(['checkpoint', '--dir', dir])).stdout);
      } catch (err) {
        await launch.waitExit(10_000).catch(() => undefined);
        throw new Error(`checkpoint ${i} of the running program: ${(err as Error).message}\n${launch.describe()}`);
      }
      ids.push(id);
      assert.equal(launch.exit, undefined, `the program ended after checkpoint ${i}:\n${launch.describe()}`);
    }
    const last = await run.checkpointKill(dir, launch);
    await launch.waitExit();
    assert.equal(new Set([...ids, last]).size, 16, 'every checkpoint has its own id');
    for (const id of [ids[4], last]) {
      fs.rmSync(go, { force: true });
      const restart = run.restart(dir, id);
      await waitRestored(run, dir, restart);
      await expectPass(restart, go, `snapshot ${id}`);
    }
  });
});

test('scenario generations: three generations of checkpoint -> restart -> checkpoint', { timeout: TEST_MS }, async () => {
  requireEngine();
  const bin = await binary('generations');
  await withRun(async (run) => {
    const { dir, go, launch } = await launchReady(run, 'generations', bin);
    let current = launch;
    const outputs: string[][] = [];
    const ids: string[] = [];
    for (let gen = 1; gen <= 3; gen++) {
      const id = await run.checkpointKill(dir, current, `generation ${gen}`);
      await current.waitExit();
      outputs.push(current.lines);
      ids.push(id);
      current = run.restart(dir, id);
      if (gen < 3) {
        // Running again: two ticks of its own before the next checkpoint.
        const first = await current.waitForLine(/^tick /);
        await current.waitForLine(/^tick /, first + 1);
      }
    }
    await waitRestored(run, dir, current);
    await expectPass(current, go, 'generation 3');
    outputs.push(current.lines);
    assert.equal(new Set(ids).size, 3, `each checkpoint has its own id: ${ids.join(', ')}`);
    assert.equal(sequenceBreak(outputs, 'tick'), undefined, 'the ticks of all generations form one sequence');
  });
});

// ---- Real programs from Debian, checkpointed mid-run ----

/** Text that compresses moderately and is the same on every run. */
function writeInput(file: string, mib: number): void {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'checkpoint', 'restart', 'engine', 'image', 'thread', 'signal', 'memory', 'offset'];
  const fd = fs.openSync(file, 'w', 0o600);
  let x = 12345;
  let written = 0;
  while (written < mib << 20) {
    const parts: string[] = [];
    for (let i = 0; i < 10000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      parts.push(`${words[x % 12]}${x % 1000}${i % 12 === 11 ? '\n' : ''}`);
    }
    written += fs.writeSync(fd, parts.join(' '));
  }
  fs.closeSync(fd);
}

/** The absolute path of a program found on PATH. */
function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Waits until a file exists with some content: the compressor is mid-run. */
async function waitForBytes(file: string, proc: LineProcess): Promise<void> {
  for (let i = 0; i < WAIT_MS / 10; i++) {
    if (proc.exit) throw new Error(`finished before any output appeared in ${file}\n${proc.describe()}`);
    try {
      if (fs.statSync(file).size > 0) return;
    } catch {
      /* not created yet */
    }
    await sleep(10);
  }
  throw new Error(`no output in ${file} within ${WAIT_MS} ms\n${proc.describe()}`);
}

const PERL_SCRIPT =
  '$| = 1; my $s = 0; for my $i (1 .. 60_000_000) { $s = ($s * 31 + $i) % 1_000_000_007; ' +
  'print "progress $i $s\\n" unless $i % 2_000_000 } print "sum $s\\n"';

test('real program: perl -e loop checkpointed mid-run prints what an uninterrupted run prints', { timeout: TEST_MS }, async () => {
  requireEngine();
  const reference = (await runPlain('perl', ['-e', PERL_SCRIPT])).split('\n').filter((l) => l !== '');
  await withRun(async (run) => {
    const dir = path.join(run.tempDir('ckpt-scn-perl-'), 'ckpt');
    const launch = run.launch(dir, which('perl'), ['-e', PERL_SCRIPT]);
    await launch.waitForLine(/^progress /);
    const id = await run.checkpointKill(dir, launch);
    await launch.waitExit();
    assert.ok(!launch.lines.some((l) => l.startsWith('sum ')), `perl finished before the checkpoint:\n${launch.describe()}`);
    const restart = run.restart(dir, id);
    const exit = await restart.waitExit(WAIT_MS * 2);
    assert.equal(exit.code, 0, restart.describe());
    assert.ok(restart.lines.length > 0, `nothing printed after the restart:\n${restart.describe()}`);
    assert.deepEqual([...launch.lines, ...restart.lines].filter((l) => l !== ''), reference);
  });
});

/** Compresses a file by name under the engine, checkpointing mid-run. */
async function compressorTest(tool: string, args: string[], suffix: string, mib: number): Promise<void> {
  requireEngine();
  await withRun(async (run) => {
    const refDir = run.tempDir(`ckpt-scn-${tool}-ref-`);
    const work = run.tempDir(`ckpt-scn-${tool}-`);
    writeInput(path.join(refDir, 'input.txt'), mib);
    fs.copyFileSync(path.join(refDir, 'input.txt'), path.join(work, 'input.txt'));
    await runPlain(tool, [...args, path.join(refDir, 'input.txt')]);
    const want = sha256(path.join(refDir, `input.txt${suffix}`));
    const refSize = fs.statSync(path.join(refDir, `input.txt${suffix}`)).size;

    const dir = path.join(work, 'ckpt');
    const out = path.join(work, `input.txt${suffix}`);
    const launch = run.launch(dir, which(tool), [...args, path.join(work, 'input.txt')]);
    await waitForBytes(out, launch);
    const id = await run.checkpointKill(dir, launch);
    await launch.waitExit();
    const atCheckpoint = fs.statSync(out).size;
    assert.ok(atCheckpoint < refSize, `${tool} had already written all ${refSize} bytes at the checkpoint`);
    const restart = run.restart(dir, id);
    const exit = await restart.waitExit(WAIT_MS * 2);
    assert.equal(exit.code, 0, restart.describe());
    assert.equal(fs.statSync(out).size, refSize, `output size after the restart (${atCheckpoint} bytes at the checkpoint)`);
    assert.equal(sha256(out), want, 'the output differs from an uninterrupted run');
  });
}

test('real program: bzip2 compressing a file, checkpointed mid-run, writes the same file', { timeout: TEST_MS }, () =>
  compressorTest('bzip2', ['-k', '-f'], '.bz2', 30),
);

test('real program: gzip compressing a file, checkpointed mid-run, writes the same file', { timeout: TEST_MS }, () =>
  compressorTest('gzip', ['-k', '-f', '-n', '-9'], '.gz', 24),
);

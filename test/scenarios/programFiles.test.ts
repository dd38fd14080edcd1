/**
 * The program's files travel with its snapshots (native/include/ckpt_files.h),
 * through the real `ckpt` command line: scenario programs in the ZDTM shape
 * write, map, delete and read files; each restart must find them as they were
 * at its snapshot, say what it replaced and where the replaced contents are
 * kept, and say which file read by the program changed (or refuse, --strict).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { CKPT_JS, ckpt, ckptOk, engineMissing, LineProcess, Run, snapshotIdFrom, withRun } from './harness';
import { scenarioBinaries } from './compileScenario';
import { runPlain, which } from './realPrograms';

const TEST_MS = 10 * 60_000;

/** The compiled program (built once, on first use). */
const binary = scenarioBinaries('ckpt-files-bin-');

interface Started {
  dir: string;
  work: string;
  go: string;
  launch: LineProcess;
}

async function launchReady(run: Run, name: string): Promise<Started> {
  const missing = engineMissing();
  if (missing) assert.fail(`the engine is not built: ${missing}`);
  const bin = await binary(name);
  const work = run.tempDir(`ckpt-files-${name}-`);
  const dir = path.join(work, 'ckpt');
  const go = path.join(work, 'go');
  const launch = run.launch(dir, bin, [go, work]);
  await launch.waitForLine(/^ready$/);
  return { dir, work, go, launch };
}

async function checkpoint(dir: string, kill = false): Promise<string> {
  return snapshotIdFrom((await ckptOk(['checkpoint', '--dir', dir, ...(kill ? ['--kill'] : [])])).stdout);
}

/** `ckpt restart` of `id`; the program checks itself once `go` exists and must PASS. */
async function restartPasses(run: Run, s: Started, id: string, extra: string[] = []): Promise<LineProcess> {
  fs.rmSync(s.go, { force: true });
  const restart = run.start(`ckpt restart ${id}`, process.execPath, [CKPT_JS, 'restart', '--dir', s.dir, ...extra, id]);
  await run.notePids(s.dir);
  fs.writeFileSync(s.go, '');
  const at = await restart.waitForLine(/^(PASS|FAIL)/);
  const exit = await restart.waitExit();
  assert.equal(restart.lines[at], 'PASS', `restart of ${id}: ${restart.lines[at]}\n${restart.describe()}`);
  assert.equal(exit.code, 0, restart.describe());
  return restart;
}

test('an append-only log goes back with its snapshot, restarted twice, the later contents kept aside', { timeout: TEST_MS }, async () => {
  await withRun(async (run) => {
    const s = await launchReady(run, 'append_log');
    const first = await checkpoint(s.dir);
    const log = path.join(s.work, 'log');
    // Let it write on, then hibernate it: the log on disk is ahead of snapshot 1.
    await new Promise((r) => setTimeout(r, 200));
    await checkpoint(s.dir, true);
    await s.launch.waitExit();
    const inspect = JSON.parse((await ckptOk(['inspect', '--dir', s.dir, '--json', first])).stdout) as {
      images: { files?: { path: string; size: number }[] }[];
    };
    const atFirst = inspect.images[0].files?.find((f) => f.path === log)?.size;
    assert.ok(atFirst, `snapshot ${first} holds the log`);
    const later = fs.readFileSync(log, 'utf8');
    assert.ok(later.length > atFirst, 'the program wrote on after snapshot 1');

    const r1 = await restartPasses(run, s, first);
    const kept = /is kept as (\S+) \(mv /.exec(r1.stderr);
    assert.ok(kept, `the restart says where the replaced log is kept:\n${r1.stderr}`);
    assert.match(r1.stderr, new RegExp(`${log}: put back as it was at the snapshot \\(${atFirst} bytes\\)`));
    assert.equal(fs.readFileSync(kept[1], 'utf8'), later, 'the kept copy is the log as it was before the restart');
    assert.ok(kept[1].startsWith(path.join(s.dir, 'snapshots', first)), `kept in the snapshot's directory: ${kept[1]}`);

    // The first restart wrote on past snapshot 1 again: the second goes back again.
    await restartPasses(run, s, first);
    const list = JSON.parse((await ckptOk(['list', '--dir', s.dir, '--json'])).stdout) as { addedBytes: number }[];
    assert.equal(list.length, 2);
  });
});

test('a later snapshot of a growing log stores what was appended, not the whole log again', { timeout: TEST_MS }, async () => {
  await withRun(async (run) => {
    const s = await launchReady(run, 'append_log');
    const log = path.join(s.work, 'log');
    const first = await checkpoint(s.dir);
    await new Promise((r) => setTimeout(r, 100));
    const second = await checkpoint(s.dir, true);
    await s.launch.waitExit();
    const sizeIn = async (id: string): Promise<number> => {
      const inspect = JSON.parse((await ckptOk(['inspect', '--dir', s.dir, '--json', id])).stdout) as {
        images: { files?: { path: string; size: number }[] }[];
      };
      const rec = inspect.images[0].files?.find((f) => f.path === log);
      assert.ok(rec, `snapshot ${id} holds the log`);
      return rec.size;
    };
    const grown = (await sizeIn(second)) - (await sizeIn(first));
    assert.ok(grown > 0, 'the log grew between the snapshots');
    const secondFiles = path.join(s.dir, 'snapshots', second, 'files');
    const chunks = fs.readdirSync(secondFiles).map((f) => fs.statSync(path.join(secondFiles, f)));
    const added = chunks.filter((st) => st.nlink === 1).reduce((n, st) => n + st.size, 0);
    assert.equal(added, grown, `snapshot ${second} stored anew exactly the ${grown} bytes appended`);
    assert.ok(chunks.some((st) => st.nlink === 2), 'the rest is shared with snapshot 1');
    const manifest = JSON.parse(fs.readFileSync(path.join(s.dir, 'snapshots', second, 'manifest.json'), 'utf8')) as {
      processes: { files?: { saved: number; addedBytes: number } }[];
    };
    assert.equal(manifest.processes[0].files?.saved, 1);
    assert.equal(manifest.processes[0].files?.addedBytes, added);
    await restartPasses(run, s, second);
  });
});

test('a scratch file mapped shared, written and deleted at exit comes back at each of two restarts', { timeout: TEST_MS }, async () => {
  await withRun(async (run) => {
    const s = await launchReady(run, 'mapped_scratch');
    const id = await checkpoint(s.dir, true);
    await s.launch.waitExit();
    const scratch = fs.readdirSync(s.work).filter((f) => f.startsWith('scratch.'));
    assert.equal(scratch.length, 1, 'the program left its scratch file when it was hibernated');
    const r1 = await restartPasses(run, s, id);
    assert.deepEqual(fs.readdirSync(s.work).filter((f) => f.startsWith('scratch.')), [], 'the program deleted it at exit');
    const r2 = await restartPasses(run, s, id);
    assert.match(r2.stderr, /scratch\.\d+: made again as it was at the snapshot \(65536 bytes\)/);
    assert.doesNotMatch(r1.stderr + r2.stderr, /changed since the snapshot/);
  });
});

test('a temporary file created before one snapshot and deleted before the next comes back as each had it', { timeout: TEST_MS }, async () => {
  await withRun(async (run) => {
    const s = await launchReady(run, 'temp_file');
    const named = await checkpoint(s.dir);
    fs.writeFileSync(path.join(s.work, 'next'), '');
    await s.launch.waitForLine(/^deleted$/);
    const unnamed = await checkpoint(s.dir, true);
    await s.launch.waitExit();
    fs.rmSync(path.join(s.work, 'next'));
    assert.equal(fs.existsSync(path.join(s.work, 'tmp')), false);
    await restartPasses(run, s, named);
    await restartPasses(run, s, unnamed);
    await restartPasses(run, s, named);
    const inspect = JSON.parse((await ckptOk(['inspect', '--dir', s.dir, '--json', named])).stdout) as {
      images: { files?: { path: string; how: string; why: string[] }[] }[];
    };
    const rec = inspect.images[0].files?.find((f) => f.path === path.join(s.work, 'tmp'));
    assert.deepEqual(rec && { how: rec.how, why: rec.why }, { how: 'saved', why: ['written'] });
  });
});

test('a file the program reads that changed behind its back is named at restart; --strict refuses', { timeout: TEST_MS }, async () => {
  await withRun(async (run) => {
    const work = run.tempDir('ckpt-files-input-');
    const input = path.join(work, 'input');
    fs.writeFileSync(input, 'first\nsecond\n');
    const bin = await binary('read_input');
    const dir = path.join(work, 'ckpt');
    const s: Started = { dir, work, go: path.join(work, 'go'), launch: run.launch(dir, bin, [path.join(work, 'go'), work]) };
    await s.launch.waitForLine(/^ready$/);
    const id = await checkpoint(dir, true);
    await s.launch.waitExit();
    const inspect = JSON.parse((await ckptOk(['inspect', '--dir', dir, '--json', id])).stdout) as {
      images: { files?: { path: string; how: string; why: string[] }[] }[];
    };
    assert.deepEqual(inspect.images[0].files?.map((f) => [f.path, f.how, f.why]), [
      [input, 'checked', ['read']],
      [path.join(work, 'output'), 'saved', ['written']],
    ]);
    const text = (await ckptOk(['inspect', '--dir', dir, id])).stdout;
    assert.match(text, new RegExp(`^\\s+checked\\s+13 B\\s+read\\s+${input}$`, 'm'), text);

    fs.appendFileSync(input, 'third\n');
    const strict = await ckpt(['restart', '--dir', dir, '--strict', id]);
    assert.notEqual(strict.code, 0, 'a strict restart of a changed input is refused');
    assert.match(strict.stderr, new RegExp(`the file ${input} changed since the snapshot \\(--strict\\)`));
    assert.ok(!fs.existsSync(s.go));

    const r = await restartPasses(run, s, id);
    assert.match(r.stderr, new RegExp(`warning: ${input} changed since the snapshot \\(13 bytes then, 19 now\\)`));
  });
});

test('a restart that cannot put a file back refuses before the program runs and leaves the disk as it was', { timeout: TEST_MS }, async () => {
  await withRun(async (run) => {
    const s = await launchReady(run, 'append_log');
    const id = await checkpoint(s.dir, true);
    await s.launch.waitExit();
    const log = path.join(s.work, 'log');
    const before = fs.readFileSync(log);
    // A folder where the file was: the restart must not touch it.
    fs.renameSync(log, `${log}.moved`);
    fs.mkdirSync(log);
    fs.writeFileSync(path.join(log, 'inside'), 'x');
    const r = await ckpt(['restart', '--dir', s.dir, id]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`cannot put back the file ${log}: a folder or special file is where it was`));
    assert.deepEqual(fs.readdirSync(log), ['inside']);
    assert.equal(fs.existsSync(path.join(s.dir, 'snapshots', id, 'replaced')), false, 'nothing was kept: nothing was replaced');
    fs.rmSync(log, { recursive: true });
    fs.renameSync(`${log}.moved`, log);
    assert.deepEqual(fs.readFileSync(log), before);
  });
});

/**
 * `ckpt ARGS` with a pipe as its (and so the program's) standard input, as in
 * `seq 10 | ckpt launch ...` (Node gives a child a socket, so cat makes the pipe).
 */
function withInput(run: Run, what: string, args: string[]): { proc: LineProcess; input: Writable } {
  const proc = run.start(what, '/bin/sh', ['-c', 'cat | "$@"', 'sh', process.execPath, CKPT_JS, ...args], undefined, true);
  return { proc, input: proc.input! };
}

test('bytes waiting on a standard input from outside: said lost without --kill, read first again after a --kill restart', { timeout: TEST_MS }, async () => {
  await withRun(async (run) => {
    const missing = engineMissing();
    if (missing) assert.fail(`the engine is not built: ${missing}`);
    const bin = await binary('stdin_bytes');
    const work = run.tempDir('ckpt-files-stdin-');
    const dir = path.join(work, 'ckpt');
    const go = path.join(work, 'go');
    const launch = withInput(run, 'ckpt launch stdin_bytes', ['launch', '--dir', dir, '--', bin, go, work]);
    launch.input.write('first\nsecond\nthird\n');
    await launch.proc.waitForLine(/^ready$/);
    const plain = await ckptOk(['checkpoint', '--dir', dir]);
    assert.match(plain.stderr, /13 bytes waiting on the program's standard input \(a pipe from outside\) are not in the snapshot/);
    const id = await checkpoint(dir, true);
    launch.input.end(); // the shell's cat ends with it
    await launch.proc.waitExit();
    const list = JSON.parse((await ckptOk(['list', '--dir', dir, '--json'])).stdout) as { stdinNotSaved?: number }[];
    assert.deepEqual(list.map((s) => s.stdinNotSaved), [13, undefined]);

    const restart = withInput(run, `ckpt restart ${id}`, ['restart', '--dir', dir, id]);
    restart.input.end('fourth\n');
    await run.notePids(dir);
    fs.writeFileSync(go, '');
    const at = await restart.proc.waitForLine(/^(PASS|FAIL)/);
    assert.equal(restart.proc.lines[at], 'PASS', restart.proc.describe());
    assert.ok(restart.proc.lines.includes('rest: second third fourth '), restart.proc.describe());
    assert.equal((await restart.proc.waitExit()).code, 0);
  });
});

const JAVA_SOURCE = `
public class Count {
  public static void main(String[] a) throws Exception {
    long s = 0;
    for (int i = 1; i <= 40; i++) {
      for (int k = 0; k < 3_000_000; k++) s = (s * 31 + k + i) % 1_000_000_007L;
      System.out.println("progress " + i + " " + s);
      Thread.sleep(50);
    }
    System.out.println("sum " + s);
  }
}
`;

test('a JVM with default flags (its hsperfdata file mapped, deleted at exit) restarts twice from one snapshot', { timeout: TEST_MS }, async () => {
  const missing = engineMissing();
  if (missing) assert.fail(`the engine is not built: ${missing}`);
  await withRun(async (run) => {
    const work = run.tempDir('ckpt-files-java-');
    fs.writeFileSync(path.join(work, 'Count.java'), JAVA_SOURCE);
    await runPlain('javac', ['-d', work, path.join(work, 'Count.java')]);
    const reference = (await runPlain('java', ['-cp', work, 'Count'])).split('\n').filter((l) => l !== '');
    const dir = path.join(work, 'ckpt');
    const launch = run.launch(dir, which('java'), ['-cp', work, 'Count']);
    await launch.waitForLine(/^progress 3 /);
    const id = await run.checkpointKill(dir, launch);
    await launch.waitExit();
    for (let i = 1; i <= 2; i++) {
      const restart = run.restart(dir, id);
      const exit = await restart.waitExit(120_000);
      assert.equal(exit.code, 0, `restart ${i}:\n${restart.describe()}`);
      assert.deepEqual([...launch.lines, ...restart.lines].filter((l) => l !== ''), reference, `restart ${i}`);
    }
  });
});

test('a tracked folder (a build) restarted twice from one snapshot builds the same targets and prints the same lines', { timeout: TEST_MS }, async () => {
  const missing = engineMissing();
  if (missing) assert.fail(`the engine is not built: ${missing}`);
  await withRun(async (run) => {
    const bin = await binary('build_tree');
    const work = run.tempDir('ckpt-files-build-');
    const out = path.join(work, 'out');
    fs.mkdirSync(out);
    const dir = path.join(work, 'ckpt');
    const go = path.join(work, 'go');
    const launch = run.start('ckpt launch --track', process.execPath, [CKPT_JS, 'launch', '--dir', dir, '--track', out, '--', bin, go, work]);
    await launch.waitForLine(/^ready$/);
    const s: Started = { dir, work, go, launch };
    const cp = await ckptOk(['checkpoint', '--dir', dir, '--kill']);
    const id = snapshotIdFrom(cp.stdout);
    assert.match(cp.stderr, /tracked folders: 4 files, \d+ B \(\d+ B new\); the program stood still [\d.]+ ms/);
    await launch.waitExit();
    const steps = (p: LineProcess) => p.lines.filter((l) => /^(built|up to date) /.test(l));
    assert.deepEqual(steps(launch), ['built 0', 'built 1', 'built 2', 'built 3']);

    const r1 = await restartPasses(run, s, id);
    const built = ['built 4', 'built 5', 'built 6', 'built 7', 'built 8', 'built 9'];
    assert.deepEqual(steps(r1), built);
    const r2 = await restartPasses(run, s, id);
    assert.deepEqual(steps(r2), built, `the second restart of snapshot ${id} found the first one's targets:\n${r2.describe()}`);
    const kept = new RegExp(`${out}/target4\\.o: taken away \\(it was not in the tracked folder at the snapshot\\); kept as (\\S+) `).exec(r2.stderr);
    assert.ok(kept, r2.stderr);
    assert.equal(fs.readFileSync(kept[1], 'utf8'), 'object 4\n', 'what the restart took away is kept');
    assert.match(r2.stderr, new RegExp(`${out}/target5: taken away`));
    assert.match(r2.stderr, new RegExp(`${out}/target0\\.o: put back as it was at the snapshot \\(9 bytes\\)`));

    const inspect = JSON.parse((await ckptOk(['inspect', '--dir', dir, '--json', id])).stdout) as {
      images: { files?: { path: string; how: string }[] }[];
    };
    const recs = inspect.images[0].files ?? [];
    assert.deepEqual(recs.filter((f) => f.how === 'tracked').map((f) => f.path), [out]);
    assert.deepEqual(recs.filter((f) => f.how === 'saved').map((f) => path.basename(f.path)).sort(), ['target0.o', 'target1.o', 'target2.o', 'target3.o']);
  });
});

test('a restart that runs out of space putting a file back refuses before the program runs, the disk as it was', { timeout: TEST_MS }, async () => {
  const missing = engineMissing();
  if (missing) assert.fail(`the engine is not built: ${missing}`);
  await withRun(async (run) => {
    const work = run.tempDir('ckpt-files-full-');
    // A small tmpfs plays the full disk (mounting one needs root, as CI and these machines have).
    const small = path.join(work, 'small');
    fs.mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small]);
    try {
      const bin = await binary('append_log');
      const dir = path.join(work, 'ckpt');
      const go = path.join(small, 'go');
      const launch = run.launch(dir, bin, [go, small]);
      await launch.waitForLine(/^ready$/);
      const id = await checkpoint(dir, true);
      await launch.waitExit();
      const log = path.join(small, 'log');
      fs.truncateSync(log, 0);
      const filler = path.join(small, 'filler');
      const fd = fs.openSync(filler, 'w');
      try {
        for (;;) fs.writeSync(fd, Buffer.alloc(4096, 1));
      } catch (err) {
        assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
      } finally {
        fs.closeSync(fd);
      }
      const fillerSize = fs.statSync(filler).size;
      const r = await ckpt(['restart', '--dir', dir, id]);
      assert.notEqual(r.code, 0, 'the restart is refused');
      assert.match(r.stderr, new RegExp(`cannot put back the file ${log}: no space left on device`));
      assert.equal(fs.statSync(log).size, 0, 'the log is as it was before the restart');
      assert.equal(fs.statSync(filler).size, fillerSize);
      assert.deepEqual(fs.readdirSync(small).sort(), ['filler', 'log'], 'no temporary file is left behind');
      assert.equal(fs.existsSync(path.join(dir, 'snapshots', id, 'replaced')), false);
    } finally {
      execFileSync('umount', ['-l', small]);
    }
  });
});

test('a restart refused after it put files back (a file the program reads is gone) puts them back as they were', { timeout: TEST_MS }, async () => {
  await withRun(async (run) => {
    const work = run.tempDir('ckpt-files-undo-');
    const input = path.join(work, 'input');
    const output = path.join(work, 'output');
    fs.writeFileSync(input, 'first\nsecond\n');
    const bin = await binary('read_input');
    const dir = path.join(work, 'ckpt');
    const launch = run.launch(dir, bin, [path.join(work, 'go'), work]);
    await launch.waitForLine(/^ready$/);
    const id = await checkpoint(dir, true);
    await launch.waitExit();
    fs.appendFileSync(output, 'written after the snapshot\n');
    const ino = fs.statSync(output).ino;
    fs.rmSync(input);
    const r = await ckpt(['restart', '--dir', dir, id]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`cannot reopen the program's file ${input}: no such file or directory`));
    assert.equal(fs.readFileSync(output, 'utf8'), 'out\nwritten after the snapshot\n', 'the written file is as it was before the restart');
    assert.equal(fs.statSync(output).ino, ino, 'the very file, not a copy');
    assert.deepEqual(fs.readdirSync(work).sort(), ['ckpt', 'output'], 'no temporary file is left behind');
    // its images, their blocks of pages, the files it saved: nothing else (no "replaced" folder kept)
    assert.deepEqual(fs.readdirSync(path.join(dir, 'snapshots', id)).sort(), ['blocks', 'files', 'manifest.json', path.basename(fs.readdirSync(path.join(dir, 'snapshots', id)).find((f) => f.endsWith('.img'))!)].sort());
  });
});

test('a written file over CKPT_FILES_MAX is only checked, and the checkpoint says so', { timeout: TEST_MS }, async () => {
  const missing = engineMissing();
  if (missing) assert.fail(`the engine is not built: ${missing}`);
  await withRun(async (run) => {
    const bin = await binary('append_log');
    const work = run.tempDir('ckpt-files-max-');
    const dir = path.join(work, 'ckpt');
    const launch = run.start('ckpt launch append_log', process.execPath, [CKPT_JS, 'launch', '--dir', dir, '--', bin, path.join(work, 'go'), work],
      { ...process.env, CKPT_FILES_MAX: '16' });
    await launch.waitForLine(/^ready$/);
    const cp = await ckptOk(['checkpoint', '--dir', dir, '--kill']);
    await launch.waitExit();
    assert.match(cp.stderr, /1 files the program writes are only checked, not in the snapshot: larger than CKPT_FILES_MAX/);
    const inspect = JSON.parse((await ckptOk(['inspect', '--dir', dir, '--json', snapshotIdFrom(cp.stdout)])).stdout) as {
      images: { files?: { path: string; how: string; why: string[] }[] }[];
    };
    assert.deepEqual(inspect.images[0].files?.map((f) => [f.path, f.how, f.why]), [[path.join(work, 'log'), 'checked', ['written', 'tooLarge']]]);
  });
});

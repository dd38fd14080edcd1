/**
 * Increments (image format 2): a snapshot whose page runs are inherited from
 * the process's previous snapshot, resolved by the restorer through the whole
 * chain. The program (verify_incr.c) rewrites 1% of its pages and drops some
 * between snapshots and checks every page of its memory after a restart.
 * mkincr.c turns the engine's complete images into increments of the
 * snapshot before, in place in the store, so that `ckpt restart` restores
 * them as it would any snapshot: every generation, older ones after newer
 * ones, and refusals that name a missing, damaged or replaced parent.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ckpt, ckptOk, engineMissing, LineProcess, NATIVE_BUILD, REPO, Run, snapshotIdFrom, withRun } from '../../scenarios/harness';

const SRC = path.join(REPO, 'test', 'engine', 'incr');
const INSPECT = path.join(NATIVE_BUILD, 'ckpt-inspect');
const RESTORE = path.join(NATIVE_BUILD, 'ckpt-restore');

let binDir = '';
let verifyBin = '';
let mkincrBin = '';

function exec(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

before(async () => {
  const missing = engineMissing();
  if (missing) assert.fail(`the engine is not built: ${missing}`);
  binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-incr-bin-'));
  fs.chmodSync(binDir, 0o755);
  verifyBin = path.join(binDir, 'verify_incr');
  mkincrBin = path.join(binDir, 'mkincr');
  for (const [bin, src] of [[verifyBin, 'verify_incr.c'], [mkincrBin, 'mkincr.c']]) {
    const r = await exec('gcc', ['-O1', '-Wall', '-Wextra', '-Werror', '-o', bin, path.join(SRC, src)]);
    assert.equal(r.code, 0, `gcc could not build ${src}:\n${r.stderr}`);
  }
});
after(() => {
  if (binDir) fs.rmSync(binDir, { recursive: true, force: true });
});

interface Chain {
  dir: string;
  ids: string[]; // ids[g]: the snapshot at generation g
  image: (g: number) => string;
  full: (g: number) => string; // the engine's complete image, kept aside
  procs: number;
}

/** Five snapshots of one program (and its child), generations 0..4; 1..4 made increments. */
async function makeChain(run: Run, fork = false): Promise<Chain> {
  const work = run.tempDir('ckpt-incr-');
  const dir = path.join(work, 'ckpt');
  const go = path.join(work, 'go');
  const launch = run.launch(dir, verifyBin, ['16', go, ...(fork ? ['fork'] : [])]);
  const procs = fork ? 2 : 1;
  const pids = await linesOf(launch, /^ready \d+$/, procs);
  const ids: string[] = [];
  for (let g = 0; g <= 4; g++) {
    if (g > 0) {
      for (const l of pids) process.kill(Number(l.split(' ')[1]), 'SIGUSR1');
      await linesOf(launch, new RegExp(`^rewritten ${g}$`), procs);
    }
    const args = ['checkpoint', '--dir', dir, ...(g === 4 ? ['--kill'] : [])];
    ids.push(snapshotIdFrom((await ckptOk(args)).stdout));
  }
  await launch.waitExit();
  const names = fs.readdirSync(path.join(dir, 'snapshots', ids[0])).filter((f) => f.endsWith('.img')).sort();
  assert.equal(names.length, procs, `one image per process: ${names.join(' ')}`);
  const at = (g: number, i: number): string => path.join(dir, 'snapshots', ids[g], names[i]);
  const fullDir = path.join(work, 'full');
  fs.mkdirSync(fullDir);
  const fullAt = (g: number, i: number): string => path.join(fullDir, `${g}-${names[i]}`);
  for (let g = 0; g <= 4; g++) for (let i = 0; i < procs; i++) fs.copyFileSync(at(g, i), fullAt(g, i));
  for (let g = 1; g <= 4; g++) {
    for (let i = 0; i < procs; i++) {
      const out = `${at(g, i)}.new`;
      const r = await exec(mkincrBin, [fullAt(g, i), fullAt(g - 1, i), at(g - 1, i), out]);
      assert.equal(r.code, 0, r.stderr);
      const [, kept, inherited] = /^kept (\d+) inherited (\d+)$/m.exec(r.stdout)!.map(Number);
      // 1% of 4096 pages and a few of the program's own: the rest comes from the parent
      assert.ok(kept < 200 && inherited > 4000, `generation ${g}: ${r.stdout}`);
      fs.renameSync(out, at(g, i));
    }
  }
  return { dir, ids, image: (g) => at(g, 0), full: (g) => fullAt(g, 0), procs };
}

/** Waits for n lines matching re; returns them. */
async function linesOf(p: LineProcess, re: RegExp, n: number): Promise<string[]> {
  for (;;) {
    const found = p.lines.filter((l) => re.test(l));
    if (found.length >= n) return found;
    await p.waitForLine(re, p.lines.length);
  }
}

/** Restarts generation g and lets it check all of its memory. */
async function restartAndVerify(run: Run, c: Chain, g: number): Promise<void> {
  const go = path.join(path.dirname(c.dir), 'go');
  fs.rmSync(go, { force: true });
  const restart = run.restart(c.dir, c.ids[g]);
  // the program polls for the file: it exists only once the restart is under way
  await new Promise((r) => setTimeout(r, 300));
  fs.writeFileSync(go, '');
  const results = await linesOf(restart, /^(PASS|FAIL)/, c.procs);
  assert.deepEqual(results, Array(c.procs).fill(`PASS gen ${g}`), restart.describe());
  await restart.waitExit();
}

async function refused(c: Chain, g: number, what: RegExp): Promise<void> {
  const r = await ckpt(['restart', '--dir', c.dir, c.ids[g]]);
  assert.notEqual(r.code, 0, `snapshot ${c.ids[g]} must be refused:\n${r.stdout}`);
  assert.match(r.stderr, what);
  assert.doesNotMatch(r.stdout, /PASS|FAIL/, 'the program was not started');
}

describe('increments restored through their chain of parents', { timeout: 10 * 60_000 }, () => {
  test('every generation restarts with every page right, the newest first and then older ones', async () => {
    await withRun(async (run) => {
      const c = await makeChain(run);
      const info = JSON.parse((await exec(INSPECT, [c.image(4)])).stdout) as {
        format: number;
        parent?: { path: string; depth: number };
        memory: { inheritedBytes?: number }[];
      };
      assert.equal(info.format, 2);
      assert.deepEqual(info.parent, { path: `../${c.ids[3]}/${path.basename(c.image(3))}`, depth: 4 });
      assert.ok(info.memory.reduce((s, m) => s + (m.inheritedBytes ?? 0), 0) > 15 << 20, 'most pages are inherited');
      assert.ok(fs.statSync(c.image(4)).size < fs.statSync(c.full(4)).size / 10, 'the increment is small');
      for (const g of [4, 2, 0, 3, 1]) await restartAndVerify(run, c, g);
      const check = await exec(RESTORE, ['--check-data', c.image(4)]);
      assert.equal(check.code, 0, check.stderr);
    });
  });

  test('a missing, damaged or replaced parent is named and refused; snapshots that do not need it still restart', async () => {
    await withRun(async (run) => {
      const c = await makeChain(run);
      const parent = c.image(2);
      const named = parent.split(path.sep).slice(-2).join('/');
      const aside = `${parent}.aside`;
      fs.renameSync(parent, aside);
      await refused(c, 4, new RegExp(`snapshot it was taken after is missing: cannot open .*${named}`));
      const check = await exec(RESTORE, ['--check', c.image(3)]);
      assert.equal(check.code, 2, 'the check finds it too');
      await restartAndVerify(run, c, 1);
      fs.renameSync(aside, parent);

      // a byte of its page contents: found while reading, before the program runs
      const saved = fs.readFileSync(parent);
      const damaged = Buffer.from(saved);
      damaged[8192] ^= 0x40; // inside the memory contents, which follow the 4 KiB header
      fs.writeFileSync(parent, damaged);
      await refused(c, 4, new RegExp(`memory contents of the snapshot it was taken after are corrupt.*${named}`));
      const data = await exec(RESTORE, ['--check-data', c.image(4)]);
      assert.equal(data.code, 2, 'the data check finds it');
      assert.match(data.stderr, /memory contents are corrupt/);
      // its header: refused before anything is read
      const header = Buffer.from(saved);
      header[40] ^= 1;
      fs.writeFileSync(parent, header);
      await refused(c, 3, /header is corrupt/);
      // another valid image in its place: not the one the increment was taken against
      fs.copyFileSync(c.full(2), parent);
      await refused(c, 3, new RegExp(`has been replaced or changed: .*${named}`));
      fs.writeFileSync(parent, saved);
      await restartAndVerify(run, c, 4);
    });
  });

  test('deleting the middle, the first and the last snapshot keeps what the others inherit, and frees it once none does', async () => {
    await withRun(async (run) => {
      const c = await makeChain(run);
      const snapDir = (g: number): string => path.join(c.dir, 'snapshots', c.ids[g]);
      const listed = async (): Promise<string[]> =>
        (JSON.parse((await ckptOk(['list', '--dir', c.dir, '--json'])).stdout) as { id: string }[]).map((s) => s.id);
      await ckptOk(['delete', '--dir', c.dir, c.ids[2]]);
      assert.deepEqual(await listed(), [c.ids[0], c.ids[1], c.ids[3], c.ids[4]]);
      assert.ok(fs.existsSync(c.image(2)), 'the middle one\'s image stays: generation 3 inherits from it');
      assert.ok(!fs.existsSync(path.join(snapDir(2), 'manifest.json')));
      const gone = await ckpt(['restart', '--dir', c.dir, c.ids[2]]);
      assert.notEqual(gone.code, 0);
      assert.match(gone.stderr, /it was deleted/);
      for (const g of [3, 4, 1]) await restartAndVerify(run, c, g);

      await ckptOk(['delete', '--dir', c.dir, c.ids[0]]);
      assert.ok(fs.existsSync(c.image(0)), 'the first one\'s image stays: generation 1 inherits from it');
      for (const g of [1, 3]) await restartAndVerify(run, c, g);

      await ckptOk(['delete', '--dir', c.dir, c.ids[4]]);
      assert.ok(!fs.existsSync(snapDir(4)), 'nothing inherits from the last one: it is gone whole');
      await restartAndVerify(run, c, 3);

      await ckptOk(['delete', '--dir', c.dir, c.ids[3]]);
      assert.ok(!fs.existsSync(snapDir(3)) && !fs.existsSync(snapDir(2)), 'generations 2 and 3 are needed by none now');
      assert.ok(fs.existsSync(c.image(0)), 'generation 1 still inherits from the first');
      await restartAndVerify(run, c, 1);
      await ckptOk(['delete', '--dir', c.dir, c.ids[1]]);
      assert.deepEqual(await listed(), []);
      assert.deepEqual(fs.readdirSync(path.join(c.dir, 'snapshots')).filter((n) => !n.startsWith('.')), [], 'everything is freed');
    });
  });

  test('a computation of two processes: each image inherits from its own process\'s previous one', async () => {
    await withRun(async (run) => {
      const c = await makeChain(run, true);
      for (const g of [4, 1, 3]) await restartAndVerify(run, c, g);
    });
  });
});

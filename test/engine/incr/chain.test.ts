/**
 * Increments (image format 2, and 3 with the pages in blocks): the engine writes each snapshot after the
 * first as an increment of the process's previous one, holding only the pages
 * written since (found by its dirty-page tracking) and inheriting the rest;
 * the restorer resolves them through the whole chain. The program
 * (verify_incr.c) rewrites 1% of its pages and drops some between snapshots
 * and checks every page of its memory after a restart: every generation,
 * older ones after newer ones, after deletions, refusals that name a missing,
 * damaged or replaced parent, and the cases where an image must be whole;
 * the blocks that hold the pages: damaged or missing ones named, and stored
 * once across snapshots, freed when none holds them.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ckpt, ckptOk, engineMissing, LineProcess, NATIVE_BUILD, REPO, Run, snapshotIdFrom, withRun } from '../../scenarios/harness';

const SRC = path.join(REPO, 'test', 'engine', 'incr');
const INSPECT = path.join(NATIVE_BUILD, 'ckpt-inspect');
const RESTORE = path.join(NATIVE_BUILD, 'ckpt-restore');
const MIB = 16;
const PAGES = (MIB << 20) / 4096;
/** Pages the program rewrites per generation: those k with k % 100 == g. */
const REWRITTEN = Math.ceil(PAGES / 100);

let binDir = '';
let verifyBin = '';

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
  const r = await exec('gcc', ['-O1', '-Wall', '-Wextra', '-Werror', '-o', verifyBin, path.join(SRC, 'verify_incr.c')]);
  assert.equal(r.code, 0, `gcc could not build verify_incr.c:\n${r.stderr}`);
});
after(() => {
  if (binDir) fs.rmSync(binDir, { recursive: true, force: true });
});

interface ImageInfo {
  format: number;
  parent?: { path: string; depth: number };
  memory: { start: string; end: string; savedBytes: number; inheritedBytes?: number }[];
  sections: { type: string; offset: number; size: number }[];
  contents: { bytes: number; storedBytes: number; chunks: number; compressedChunks: number; blocks: { name: string; bytes: number }[] };
}

async function inspect(image: string): Promise<ImageInfo> {
  const r = await exec(INSPECT, [image]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ImageInfo;
}

/** The program under the engine: its work directory, its processes' pids and buffer address. */
interface Program {
  dir: string;
  go: string;
  launch: LineProcess;
  pids: number[];
  buffer: bigint;
}

async function startProgram(run: Run, mode?: 'fork' | 'uffd' | 'forklate', dir?: string, env?: NodeJS.ProcessEnv): Promise<Program> {
  dir = dir ?? path.join(run.tempDir('ckpt-incr-'), 'ckpt');
  const go = path.join(path.dirname(dir), 'go'); // where restartAndVerify puts it
  const launch = run.launch(dir, verifyBin, [String(MIB), go, ...(mode ? [mode] : [])], env);
  const ready = await linesOf(launch, /^ready \d+ 0x[0-9a-f]+$/, mode === 'fork' ? 2 : 1);
  const pids = ready.map((l) => Number(l.split(' ')[1]));
  return { dir, go, launch, pids, buffer: BigInt(ready[0].split(' ')[2]) };
}

/** Asks for generation g and waits until every process has written it. */
async function rewrite(p: Program, g: number): Promise<void> {
  for (const pid of p.pids) process.kill(pid, 'SIGUSR1');
  await linesOf(p.launch, new RegExp(`^rewritten ${g}$`), p.pids.length);
}

async function checkpoint(p: Program, kill = false): Promise<string> {
  return snapshotIdFrom((await ckptOk(['checkpoint', '--dir', p.dir, ...(kill ? ['--kill'] : [])])).stdout);
}

interface Chain {
  dir: string;
  ids: string[]; // ids[g]: the snapshot at generation g
  image: (g: number, proc?: number) => string;
  procs: number;
  buffer: bigint;
}

function chainOf(dir: string, ids: string[], procs: number, buffer: bigint): Chain {
  const names = fs.readdirSync(path.join(dir, 'snapshots', ids[0])).filter((f) => f.endsWith('.img')).sort();
  assert.equal(names.length, procs, `one image per process: ${names.join(' ')}`);
  return { dir, ids, image: (g, i = 0) => path.join(dir, 'snapshots', ids[g], names[i]), procs, buffer };
}

/** The buffer's region in an image: the pages it holds itself and those it inherits. */
function bufferRegion(info: ImageInfo, buffer: bigint): { savedBytes: number; inheritedBytes: number } {
  const r = info.memory.find((m) => BigInt(m.start) <= buffer && buffer < BigInt(m.end));
  assert.ok(r, `the buffer at 0x${buffer.toString(16)} is in the image`);
  return { savedBytes: r.savedBytes, inheritedBytes: r.inheritedBytes ?? 0 };
}

/**
 * Generation g (g >= 1) of process i is an increment of generation g - 1
 * that holds the pages rewritten and little else: it fails if increments
 * silently stay whole.
 */
async function assertIncrement(c: Chain, g: number, i = 0, depth = g): Promise<void> {
  const info = await inspect(c.image(g, i));
  assert.equal(info.format, 4);
  assert.deepEqual(info.parent, { path: `../${c.ids[g - 1]}/${path.basename(c.image(g - 1, i))}`, depth });
  const buf = bufferRegion(info, c.buffer);
  // its rewritten pages (none is zero), give or take a few the program's own
  // variables share the region with
  assert.ok(buf.savedBytes >= REWRITTEN * 4096 && buf.savedBytes <= (REWRITTEN + 8) * 4096, `generation ${g}: the buffer holds ${buf.savedBytes} bytes`);
  assert.ok(buf.inheritedBytes >= (MIB << 20) - 2 * REWRITTEN * 4096, `generation ${g}: the buffer inherits ${buf.inheritedBytes} bytes`);
  // small on disk, and small before compression too
  const size = fs.statSync(c.image(g, i)).size;
  const whole = (await inspect(c.image(0, i))).contents.bytes;
  assert.ok(size < 1 << 20 && info.contents.bytes < whole / 10, `generation ${g}: the increment is small (${size} bytes, ${info.contents.bytes} of contents)`);
}

/**
 * A live increment's pause copied the buffer's written pages (its writer's
 * fork then need not copy the buffer): the manifest's copiedBytes for each
 * process is what its buffer region saves, give or take the pages of another
 * large region.
 */
async function assertCopied(c: Chain, g: number): Promise<void> {
  const manifest = JSON.parse(fs.readFileSync(path.join(c.dir, 'snapshots', c.ids[g], 'manifest.json'), 'utf8')) as {
    processes: { image: string; copiedBytes?: number }[];
  };
  for (let i = 0; i < c.procs; i++) {
    const saved = bufferRegion(await inspect(c.image(g, i)), c.buffer).savedBytes;
    const proc = manifest.processes.find((p) => p.image === path.basename(c.image(g, i)));
    const copied = proc?.copiedBytes ?? 0;
    assert.ok(copied >= saved && copied <= saved + (64 << 10), `generation ${g}, ${proc?.image}: copied ${copied} bytes in the pause, the buffer saves ${saved}`);
  }
}

/** An image without a parent, holding every page of the buffer. */
async function assertWhole(image: string, buffer: bigint): Promise<void> {
  const info = await inspect(image);
  assert.equal(info.parent, undefined, `${image} is whole`);
  const buf = bufferRegion(info, buffer);
  assert.equal(buf.inheritedBytes, 0);
  // every page but the dropped ones (every hundredth)
  assert.ok(buf.savedBytes >= (MIB << 20) - 2 * REWRITTEN * 4096, `the whole image holds the buffer: ${buf.savedBytes}`);
}

/**
 * Five snapshots of one program (and its child), generations 0..4; 1..4 are
 * increments. `env`: the engine's settings (CKPT_BLOCKS=0: the pages inside
 * the images, one after another).
 */
async function makeChain(run: Run, fork = false, env?: NodeJS.ProcessEnv): Promise<Chain> {
  const p = await startProgram(run, fork ? 'fork' : undefined, undefined, env);
  const ids: string[] = [];
  for (let g = 0; g <= 4; g++) {
    if (g > 0) await rewrite(p, g);
    ids.push(await checkpoint(p, g === 4));
  }
  await p.launch.waitExit();
  const c = chainOf(p.dir, ids, p.pids.length, p.buffer);
  for (let i = 0; i < c.procs; i++) {
    await assertWhole(c.image(0, i), c.buffer);
    for (let g = 1; g <= 4; g++) await assertIncrement(c, g, i);
  }
  // 1..3 were taken with the program running on (4 kills it: nothing is copied)
  if (env?.CKPT_WRITER !== 'inline') for (let g = 1; g <= 3; g++) await assertCopied(c, g);
  return c;
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
      assert.equal(info.format, 4);
      assert.deepEqual(info.parent, { path: `../${c.ids[3]}/${path.basename(c.image(3))}`, depth: 4 });
      assert.ok(info.memory.reduce((s, m) => s + (m.inheritedBytes ?? 0), 0) > 15 << 20, 'most pages are inherited');
      // the program's pages (each one byte repeated) are stored compressed, by default
      const first = await inspect(c.image(0));
      assert.ok(first.contents.compressedChunks === first.contents.chunks && first.contents.chunks >= 4, JSON.stringify(first.contents).slice(0, 300));
      assert.ok(first.contents.storedBytes < first.contents.bytes / 20, `stored ${first.contents.storedBytes} of ${first.contents.bytes} bytes`);
      for (const g of [4, 2, 0, 3, 1]) await restartAndVerify(run, c, g);
      const check = await exec(RESTORE, ['--check-data', c.image(4)]);
      assert.equal(check.code, 0, check.stderr);
      // the core file of an increment (the snapshot viewer's): its pages through the chain
      const core = path.join(path.dirname(c.dir), 'core');
      const made = await exec(INSPECT, ['--core', core, c.image(4)]);
      assert.equal(made.code, 0, made.stderr);
      assert.equal(badPages(fs.readFileSync(core), c.buffer, 4), 0, 'every page of the buffer in the core is the one of generation 4');
    });
  });

  test('after increments whose pauses copied the written pages, a fork of the program still has all of its memory, and so does one after a restart', async () => {
    await withRun(async (run) => {
      const p = await startProgram(run, 'forklate');
      const ids: string[] = [];
      for (let g = 0; g <= 2; g++) {
        if (g > 0) await rewrite(p, g);
        ids.push(await checkpoint(p));
      }
      const c = chainOf(p.dir, ids, 1, p.buffer);
      for (let g = 1; g <= 2; g++) await assertCopied(c, g);
      fs.writeFileSync(p.go, '');
      await linesOf(p.launch, /^PASS|FAIL/, 1);
      assert.ok(p.launch.lines.includes('child PASS gen 2') && p.launch.lines.includes('PASS gen 2'), p.launch.describe());
      await p.launch.waitExit();
      await restartAndVerify(run, c, 2);
      await restartAndVerify(run, c, 1);
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
      // (its first block: the pages it holds of its own)
      const blocks = (await inspect(parent)).contents.blocks;
      assert.ok(blocks.length > 0, 'the parent holds pages of its own');
      const block = path.join(path.dirname(parent), 'blocks', blocks[0].name);
      const blockBytes = fs.readFileSync(block);
      const damagedBlock = Buffer.from(blockBytes);
      damagedBlock[Math.floor(blockBytes.length / 2)] ^= 0x40;
      fs.writeFileSync(block, damagedBlock);
      await refused(c, 4, new RegExp(`(snapshot it was taken after: block .* is corrupt|memory contents of the snapshot it was taken after are corrupt).*${named}`));
      const data = await exec(RESTORE, ['--check-data', c.image(4)]);
      assert.equal(data.code, 2, 'the data check finds it');
      assert.match(data.stderr, /memory contents (\(chunk 0.*is|are) corrupt/);
      fs.writeFileSync(block, blockBytes);
      // its header: refused before anything is read
      const header = Buffer.from(saved);
      header[40] ^= 1;
      fs.writeFileSync(parent, header);
      await refused(c, 3, /header is corrupt/);
      // another valid image in its place: not the one the increment was taken against
      fs.copyFileSync(c.image(1), parent);
      await refused(c, 3, new RegExp(`has been replaced or changed: .*${named}`));
      fs.writeFileSync(parent, saved);
      await restartAndVerify(run, c, 4);
    });
  });

  test('a page damaged in the middle of the first image is refused, whether the newest still takes it or only checks it', async () => {
    await withRun(async (run) => {
      // the pages inside the image, so that a page is found by its bytes
      const c = await makeChain(run, false, { CKPT_BLOCKS: '0' });
      assert.equal((await inspect(c.image(0))).sections.find((x) => x.type === 'memchunks'), undefined);
      const first = c.image(0);
      const named = first.split(path.sep).slice(-2).join('/');
      const saved = fs.readFileSync(first);
      // the buffer's pages lie in order in the first image: found by its first three
      const head = Buffer.concat([0, 1, 2].map((k) => Buffer.alloc(4096, expected(k, 0))));
      const at = saved.indexOf(head);
      assert.ok(at > 0, 'the buffer is in the first image');
      // page 2003 was rewritten at generation 3 (only checked when 4 restarts),
      // page 2000 never (taken from the first image); both past its first chunk
      for (const k of [2003, 2000]) {
        const damaged = Buffer.from(saved);
        assert.equal(damaged[at + k * 4096 + 123], expected(k, 0), `page ${k} is where it is looked for`);
        damaged[at + k * 4096 + 123] ^= 0x40;
        fs.writeFileSync(first, damaged);
        await refused(c, 4, new RegExp(`memory contents of the snapshot it was taken after are corrupt.*${named}`));
        await refused(c, 0, /memory contents are corrupt/);
      }
      fs.writeFileSync(first, saved);
      await restartAndVerify(run, c, 4);
    });
  });

  test('a block of the first image damaged or missing, or its table damaged, is refused and named; put back, it restarts', async () => {
    await withRun(async (run) => {
      const c = await makeChain(run);
      const first = c.image(0);
      const named = first.split(path.sep).slice(-2).join('/');
      const info = await inspect(first);
      const table = info.sections.find((x) => x.type === 'memchunks');
      assert.ok(table, 'the contents are stored in blocks');
      // chunk 2 (pages 1024-2047 of the contents): a byte inside its frame, and the frame's last byte
      const block = path.join(path.dirname(first), 'blocks', info.contents.blocks[2].name);
      assert.match(info.contents.blocks[2].name, /^[0-9a-f]{32}\.zst$/);
      const saved = fs.readFileSync(block);
      for (const at of [Math.floor(saved.length / 2), saved.length - 1]) {
        const damaged = Buffer.from(saved);
        damaged[at] ^= 0x40;
        fs.writeFileSync(block, damaged);
        await refused(c, 4, new RegExp(`(snapshot it was taken after: block [0-9a-f]{32}\\.zst of the memory contents \\(chunk \\d+, the memory from 0x[0-9a-f]+\\) is corrupt|memory contents of the snapshot it was taken after are corrupt \\(checksum).*${named}`));
        await refused(c, 0, /(block [0-9a-f]{32}\.zst of the memory contents \(chunk \d+, the memory from 0x[0-9a-f]+\) is corrupt|memory contents are corrupt \(checksum)/);
        const data = await exec(RESTORE, ['--check-data', first]);
        assert.equal(data.code, 2, 'the data check finds it');
        assert.match(data.stderr, /memory contents (\(chunk \d+.*is|are) corrupt/);
      }
      fs.writeFileSync(block, saved);
      // missing: refused before anything is changed, naming the block, the chunk and the image
      fs.renameSync(block, `${block}.aside`);
      await refused(c, 0, new RegExp(`${named}.*block [0-9a-f]{32}\\.zst of the memory contents \\(chunk \\d+, the memory from 0x[0-9a-f]+\\) is missing`));
      await refused(c, 4, new RegExp(`${named}.*block [0-9a-f]{32}\\.zst of the memory contents \\(chunk \\d+, .*\\) is missing`));
      fs.renameSync(`${block}.aside`, block);
      // the table of chunks: its own checksum
      const image = fs.readFileSync(first);
      const damaged = Buffer.from(image);
      damaged[table.offset + table.size - 3] ^= 1;
      fs.writeFileSync(first, damaged);
      await refused(c, 0, /memory chunks section is corrupt \(checksum mismatch\)/);
      fs.writeFileSync(first, image);
      await restartAndVerify(run, c, 4);
      await restartAndVerify(run, c, 0);
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

  test('a restarted process: its first snapshot is whole, the next an increment of it, both restart right', async () => {
    await withRun(async (run) => {
      const c = await makeChain(run);
      const restart = run.restart(c.dir, c.ids[2]);
      let ps: { pid?: number }[] | undefined;
      for (let i = 0; i < 100 && !(ps && ps.length === 1); i++) {
        ps = await run.notePids(c.dir).catch(() => undefined);
        if (!(ps && ps.length === 1)) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(ps && ps.length === 1 && typeof ps[0].pid === 'number', `the restarted program runs: ${JSON.stringify(ps)}`);
      const p: Program = { dir: c.dir, go: path.join(path.dirname(c.dir), 'go'), launch: restart, pids: [ps[0].pid!], buffer: c.buffer };
      const ids = [...c.ids.slice(0, 3)];
      await rewrite(p, 3);
      ids.push(await checkpoint(p));
      await rewrite(p, 4);
      ids.push(await checkpoint(p, true));
      await restart.waitExit();
      const r = chainOf(c.dir, ids, 1, c.buffer);
      await assertWhole(r.image(3), r.buffer);
      await assertIncrement(r, 4, 0, 1);
      for (const g of [4, 3]) await restartAndVerify(run, r, g);
    });
  });

  test('a snapshot after a failed one is whole, and the one after it an increment again', async () => {
    await withRun(async (run) => {
      const work = run.tempDir('ckpt-incr-full-');
      const small = path.join(work, 'small');
      fs.mkdirSync(small);
      // a small disk (mounting it needs root, as the disk-full test does)
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', small]);
      try {
        // blocks as they are: compressed, the pages would fit in the room left
        const p = await startProgram(run, undefined, path.join(small, 'ckpt'), { CKPT_COMPRESS: '0' });
        const ids = [await checkpoint(p)];
        await rewrite(p, 1);
        ids.push(await checkpoint(p));
        await rewrite(p, 2);
        // the disk full but for a little room: the pause's sections fit, the
        // pages do not, so the snapshot fails after its scans were taken
        const room = path.join(small, 'room');
        fs.writeFileSync(room, Buffer.alloc(96 << 10, 1));
        fillDisk(path.join(small, 'filler'));
        fs.rmSync(room);
        const failed = await ckpt(['checkpoint', '--dir', p.dir]);
        assert.notEqual(failed.code, 0, 'the snapshot onto a full disk fails');
        assert.match(failed.stderr, /no space left on device/);
        fs.rmSync(path.join(small, 'filler'));
        ids.push(await checkpoint(p));
        await rewrite(p, 3);
        ids.push(await checkpoint(p, true));
        await p.launch.waitExit();
        const c = chainOf(p.dir, ids, 1, p.buffer);
        await assertIncrement(c, 1);
        await assertWhole(c.image(2), c.buffer);
        await assertIncrement(c, 3, 0, 1);
        for (const g of [3, 2, 1]) await restartAndVerify(run, c, g);
      } finally {
        execFileSync('umount', [small]);
      }
    });
  });

  test('a program that uses userfaultfd itself: increments found by page hashes (mode hash), every generation right', async () => {
    await withRun(async (run) => {
      const p = await startProgram(run, 'uffd');
      const ids: string[] = [];
      for (let g = 0; g <= 2; g++) {
        if (g > 0) await rewrite(p, g);
        ids.push(await checkpoint(p, g === 2));
      }
      await p.launch.waitExit();
      const c = chainOf(p.dir, ids, 1, p.buffer);
      // the first is whole; then only the pages whose contents changed
      await assertWhole(c.image(0), c.buffer);
      for (let g = 1; g <= 2; g++) await assertIncrement(c, g);
      for (let g = 0; g <= 2; g++) {
        const manifest = JSON.parse(fs.readFileSync(path.join(c.dir, 'snapshots', ids[g], 'manifest.json'), 'utf8'));
        assert.equal(manifest.processes[0].tracking, 'hash');
      }
      for (const g of [2, 0, 1]) await restartAndVerify(run, c, g);
    });
  });
});

/** Writes to path until the disk is full. */
function fillDisk(file: string): void {
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(64 << 10, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    fs.closeSync(fd);
  }
}

/** What verify_incr.c's page k holds at generation g (0 for a dropped page). */
function expected(k: number, g: number): number {
  const m = k % 100;
  if (g >= 2 && m === 50) return 0;
  const at = m >= 1 && m <= g ? m : 0;
  return ((k * 7 + at * 37) & 0xff) | 1;
}

/** The buffer's pages in an ELF core file that do not hold generation g's bytes. */
function badPages(core: Buffer, buffer: bigint, g: number): number {
  const phoff = Number(core.readBigUInt64LE(0x20));
  const phnum = core.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * 56;
    const vaddr = core.readBigUInt64LE(ph + 16);
    const memsz = core.readBigUInt64LE(ph + 40);
    if (core.readUInt32LE(ph) !== 1 || buffer < vaddr || buffer >= vaddr + memsz) continue;
    const start = Number(core.readBigUInt64LE(ph + 8) + (buffer - vaddr));
    let bad = 0;
    for (let k = 0; k < PAGES; k++) {
      const page = core.subarray(start + k * 4096, start + (k + 1) * 4096);
      if (page.length !== 4096 || page.some((b) => b !== expected(k, g))) bad++;
    }
    return bad;
  }
  return PAGES;
}

/** The names in a snapshot's blocks folder, with their link counts. */
function blockLinks(dir: string, id: string): Map<string, number> {
  const folder = path.join(dir, 'snapshots', id, 'blocks');
  return new Map(fs.readdirSync(folder).map((n) => [n, fs.lstatSync(path.join(folder, n)).nlink]));
}

describe('the store of blocks: pages stored once across snapshots, freed when no snapshot holds them', { timeout: 10 * 60_000 }, () => {
  test('a snapshot right after a restart links the blocks of the one restarted; deleting either keeps the other whole; deleting both empties the store', async () => {
    await withRun(async (run) => {
      // blocks as they are: what a snapshot writes is then the size of what it holds
      const p = await startProgram(run, undefined, undefined, { CKPT_COMPRESS: '0' });
      const first = await checkpoint(p, true);
      await p.launch.waitExit();
      const store = path.join(p.dir, 'blocks');
      assert.equal(fs.statSync(store).mode & 0o777, 0o700, 'the store is private');
      // restarted, and saved again before it checks its memory
      fs.rmSync(p.go, { force: true });
      const restarted = run.restart(p.dir, first);
      await new Promise((r) => setTimeout(r, 300));
      const second = snapshotIdFrom((await ckptOk(['checkpoint', '--dir', p.dir, '--kill'])).stdout);
      await restarted.waitExit();
      const c1 = chainOf(p.dir, [first], 1, p.buffer);
      const c2 = chainOf(p.dir, [second], 1, p.buffer);
      const [i1, i2] = [await inspect(c1.image(0)), await inspect(c2.image(0))];
      assert.equal(i2.parent, undefined, 'a restarted process\'s first snapshot is whole');
      assert.ok(i2.contents.bytes >= MIB << 20, `it holds all of its pages (${i2.contents.bytes} bytes)`);
      // the buffer's chunks are the same blocks: linked, not written again
      const names1 = new Set(i1.contents.blocks.map((b) => b.name));
      const shared = i2.contents.blocks.filter((b) => names1.has(b.name)).length;
      assert.ok(shared >= MIB / 4, `${shared} of ${i2.contents.blocks.length} chunks are blocks of the snapshot restarted`);
      const listed = JSON.parse((await ckptOk(['list', '--dir', p.dir, '--json'])).stdout) as { id: string; addedBytes: number }[];
      const added = listed.find((s) => s.id === second)!.addedBytes;
      const firstAdded = listed.find((s) => s.id === first)!.addedBytes;
      assert.ok(firstAdded > 4 << 20 && added < firstAdded / 4, `the second snapshot added ${added} bytes, the first ${firstAdded}`);
      for (const [name, links] of blockLinks(p.dir, second)) {
        if (names1.has(name)) assert.ok(links >= 3, `${name}: linked from the store and both snapshots (${links})`);
      }

      // deleting the first: the second still has every block
      await ckptOk(['delete', '--dir', p.dir, first]);
      for (const [name, links] of blockLinks(p.dir, second)) assert.equal(links, 2, `${name}: the store and the second snapshot`);
      await restartAndVerify(run, c2, 0);
      // deleting the second: nothing is left in the store
      await ckptOk(['delete', '--dir', p.dir, second]);
      assert.deepEqual(fs.readdirSync(store), []);
    });
  });

  test('blocks the store alone holds are dropped after a delete; a snapshot whose blocks folder lost one is refused, the others restart', async () => {
    await withRun(async (run) => {
      const c = await makeChain(run);
      const store = path.join(c.dir, 'blocks');
      // every block of every snapshot is in the store, and no block is only there
      const all = new Set<string>();
      for (const id of c.ids) for (const name of blockLinks(c.dir, id).keys()) all.add(name);
      assert.deepEqual(new Set(fs.readdirSync(store)), all);
      // an orphan in the store (as a checkpoint killed midway would leave): dropped by the next delete
      fs.writeFileSync(path.join(store, `${'0'.repeat(32)}.raw`), 'x');
      await ckptOk(['delete', '--dir', c.dir, c.ids[4]]);
      assert.ok(!fs.existsSync(path.join(store, `${'0'.repeat(32)}.raw`)), 'the orphan is gone');
      for (const name of fs.readdirSync(store)) assert.ok(fs.lstatSync(path.join(store, name)).nlink >= 2, `${name} is held by a snapshot`);
      await restartAndVerify(run, c, 3);
    });
  });
});

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nativePathsUnchecked } from '../../adapter/engine/nativePaths';
import { killStarted, runCkpt } from '../fixtures/cliRunner';
import { tempDir } from '../fixtures/harness';
import { savedStepper } from '../engine/fixtures/savedStepper';
import type { SavedStepper } from '../engine/fixtures/savedStepper';

const native = nativePathsUnchecked();
const ROOT = path.resolve(__dirname, '../../..');
const FUZZ = path.join(ROOT, 'test', 'fuzz');
const CORPUS = path.join(FUZZ, 'corpus');
/** Seconds of fuzzing in the suite; longer runs by hand: CKPT_FUZZ_SECONDS=600. */
const FUZZ_SECONDS = Number(process.env.CKPT_FUZZ_SECONDS ?? 60);
after(killStarted);

/** What each crafted seed (made by test/fuzz/craft.c, checksums recomputed) must be refused for. */
const CRAFTED: Record<string, RegExp> = {
  'bad-counts.img': /the memory map section is corrupt \(more regions than bytes\)$/,
  'bad-runs.img': /the memory map section is corrupt$/,
  'bad-swap.img': /the threads section is corrupt \(a partial entry\)$/,
  'bad-wrap.img': /a section lies outside the image$/,
  'bad-path.img': /the memory map section is inconsistent \(a path outside the strings\)$/,
  'bad-cover.img': /the memory chunks section is corrupt \(its chunks do not cover the contents\)$/,
  'bad-fdsize.img': /the files section is corrupt \(fd 0: its standard file record is 96 bytes, not 88\)$/,
};

function compileCraft(dir: string): string {
  const exe = path.join(dir, 'craft');
  execFileSync('gcc', ['-O1', '-g', '-o', exe, path.join(FUZZ, 'craft.c')], { stdio: ['ignore', 'ignore', 'pipe'] });
  return exe;
}

describe('crafted images: one line naming the problem, from the inspector, the restorer and ckpt inspect', () => {
  test('the seed corpus: the engine\'s images are read, every crafted one is refused', () => {
    // (blocks/ holds the pages of valid-blocks.img)
    const seeds = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.img')).sort();
    assert.ok(seeds.filter((s) => s.startsWith('valid-')).length >= 2, `valid seeds in ${CORPUS}`);
    for (const seed of seeds) {
      const file = path.join(CORPUS, seed);
      const r = spawnSync(native.inspect, [file], { encoding: 'utf8', timeout: 30000 });
      assert.equal(r.signal, null, `${seed}: the inspector crashed: ${r.stderr}`);
      if (seed.startsWith('valid-')) {
        assert.equal(r.status, 0, `${seed}: ${r.stderr}`);
        const img = JSON.parse(r.stdout) as { threads: unknown[]; argv: string[]; memory: unknown[] };
        assert.ok(img.threads.length >= 1 && img.argv.length >= 1 && img.memory.length > 5, seed);
        continue;
      }
      const why = CRAFTED[seed];
      assert.ok(why, `${seed}: every crafted seed has an expected message`);
      assert.equal(r.status, 2, `${seed}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, `${seed}: one line: ${r.stderr}`);
      assert.match(r.stderr.trim(), new RegExp(`^ckpt-inspect: ${file}: `));
      assert.match(r.stderr.trim(), why, seed);
      const rs = spawnSync(native.restore, ['--check', file], { encoding: 'utf8', timeout: 30000 });
      assert.equal(rs.signal, null, `${seed}: the restorer crashed: ${rs.stderr}`);
      assert.equal(rs.status, 2, `${seed}: ${rs.stderr}`);
      assert.match(rs.stderr.trim(), why, `${seed}: the restorer gives the same reason`);
    }
  });

  test('a format 3 image (flat fd records) reads as the format 4 image it was made from', () => {
    // valid-fds-flat.img is `craft flat` of valid-fds.img (test/fuzz/craft.c)
    const read = (seed: string) => {
      const r = spawnSync(native.inspect, [path.join(CORPUS, seed)], { encoding: 'utf8', timeout: 30000 });
      assert.equal(r.status, 0, `${seed}: ${r.stderr}`);
      return JSON.parse(r.stdout) as { format: number; fds: { kind: string }[] };
    };
    const now = read('valid-fds.img');
    const old = read('valid-fds-flat.img');
    assert.equal(now.format, 4);
    assert.equal(old.format, 3);
    assert.deepEqual(old.fds, now.fds);
    for (const kind of ['eventfd', 'epoll', 'signalfd', 'timerfd', 'pipe', 'file', 'stdio'])
      assert.ok(now.fds.some((f) => f.kind === kind), `the seed has a ${kind}`);
  });

  describe('ckpt inspect of a snapshot whose image was crafted', () => {
    let work: string;
    let saved: SavedStepper;
    let original: Buffer;
    before(async () => {
      work = tempDir('ckpt-fuzz-');
      saved = await savedStepper(work);
      original = fs.readFileSync(saved.image);
    });

    for (const change of ['counts', 'swap', 'wrap']) {
      test(change, async () => {
        const craft = compileCraft(work);
        const copy = path.join(work, 'original.img');
        fs.writeFileSync(copy, original);
        execFileSync(craft, [change, copy, saved.image]);
        const r = await runCkpt(['inspect', '--dir', saved.dir, saved.id]);
        assert.equal(r.code, 1);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, new RegExp(`^ckpt inspect: snapshot ${saved.id} \\(image p\\d+\\.img\\) is damaged: ckpt-inspect: [^\\n]+: [^\\n]+\\n$`));
        assert.match(r.stderr.trim(), CRAFTED[`bad-${change}.img`]);
        assert.doesNotMatch(r.stderr, /Command failed/);
      });
    }
  });
});

describe('the fuzz target over the image reader and the inspector\'s JSON', () => {
  test(`runs ${FUZZ_SECONDS} s from the seed corpus without a crash`, { timeout: (FUZZ_SECONDS + 240) * 1000 }, (t) => {
    const work = tempDir('ckpt-fuzz-run-');
    const exe = path.join(work, 'fuzz_reader');
    const cc = spawnSync('clang', ['-g', '-O1', '-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=all',
      '-DCKPT_READER_NO_CHECKSUM', '-o', exe, path.join(FUZZ, 'fuzz_reader.c'), path.join(ROOT, 'native', 'inspect', 'json.c'),
      path.join(ROOT, 'native', 'inspect', 'files_diff.c'), '-l:libzstd.a'],
    { encoding: 'utf8' });
    assert.equal(cc.error, undefined, 'clang is needed for the fuzz target (test/setup/install-system.sh installs it)');
    assert.equal(cc.status, 0, cc.stderr);
    // mutate a copy: the committed corpus stays the seeds
    const corpus = path.join(work, 'corpus');
    fs.cpSync(CORPUS, corpus, { recursive: true });
    const r = spawnSync(exe, [`-max_total_time=${FUZZ_SECONDS}`, '-timeout=20', '-rss_limit_mb=2048',
      '-print_final_stats=1', `-artifact_prefix=${work}/`, corpus], { encoding: 'utf8', timeout: (FUZZ_SECONDS + 120) * 1000 });
    const log = r.stderr;
    const runs = /stat::number_of_executed_units:\s*(\d+)/.exec(log)?.[1];
    t.diagnostic(`fuzz: ${runs ?? '?'} executions in ${FUZZ_SECONDS} s`);
    assert.doesNotMatch(log, /ERROR: (AddressSanitizer|libFuzzer)|runtime error:|deadly signal|SUMMARY: /, log.slice(-4000));
    assert.equal(r.signal, null, log.slice(-4000));
    assert.equal(r.status, 0, log.slice(-4000));
    assert.ok(Number(runs) > 1000, `the target ran: ${runs} executions`);
  });
});

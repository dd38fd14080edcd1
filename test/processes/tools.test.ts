import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ResourceTables } from '../../adapter/engine/tables';
import { checkpoint, CkptProcess, finish, launch, restart, runCkpt, runPlain, savedAndRestarted, skipUnlessBuilt, Workspace } from './fixtures/computation';

const ws = new Workspace();
after(() => ws.cleanup());

/** Lines of text, the same on every run: numbers in a scrambled order with some words. */
const DATA_AWK = 'BEGIN { for (i = 0; i < 300000; i++) printf "%d %s %d\\n", (i * 7919) % 1000003, (i % 13 == 0 ? "alpha" : "beta"), i }';

/** A shell loop that holds until the gate exists (see Workspace.gate). */
function waitFor(gate: string): string {
  return `while [ ! -e '${gate}' ]; do sleep 0.05; done`;
}

/** A fresh work directory with a copy of the data. */
function workDir(name: string, data: string): string {
  const d = path.join(ws.root, name);
  fs.mkdirSync(d);
  fs.copyFileSync(data, path.join(d, 'data.txt'));
  return d;
}

/** Polls until `ready()` holds, failing if the computation ended first. */
async function until(run: CkptProcess, what: string, ready: () => boolean, timeoutMs = 60000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ready()) {
    if (run.child.exitCode !== null || run.child.signalCode !== null) throw new Error(`ended before ${what}: ${run.stderr}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stderr:\n${run.stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A C file that keeps cc1 busy for a second or two at -O2: many small functions with loops and switches. */
function bigC(): string {
  const fns = Array.from(
    { length: 250 },
    (_, i) =>
      `static int f${i}(int x) { int a[16]; for (int j = 0; j < 16; j++) a[j] = x * j + ${i}; int s = 0; for (int j = 0; j < 16; j++) s += a[j] ^ (a[(j + 3) % 16] >> 1); switch (x % 7) { case 0: s += 1; break; case 1: s *= 3; break; case 2: s -= 7; break; default: s ^= ${i}; } return s; }`,
  );
  const calls = Array.from({ length: 250 }, (_, i) => `  t += f${i}(${i});`);
  return ['#include <stdio.h>', ...fns, 'int main(void) {', '  long t = 0;', ...calls, '  printf("%ld\\n", t);', '  return 0;', '}', ''].join('\n');
}

/**
 * What differs between two outputs of the make -j8 build, in terms of its parts
 * (line i of all.txt is part i's checksum): the lines that differ, the parts whose
 * line is missing or doubled, and the parts whose file on disk is not the expected one.
 */
function partsDiff(expected: string, actual: string, build: string, parts: string[]): string {
  const want = expected.split('\n');
  const got = actual.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    if (want[i] !== got[i]) out.push(`line ${i + 1}: expected ${JSON.stringify(want[i])}, got ${JSON.stringify(got[i])}`);
  }
  parts.forEach((p, i) => {
    const n = got.filter((l) => l === want[i]).length;
    if (n !== 1) out.push(`${p}'s line is ${n === 0 ? 'missing' : `there ${n} times`}`);
    const file = path.join(build, p);
    const now = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '(no file)';
    if (now !== `${want[i]}\n`) out.push(`${p} on disk: ${JSON.stringify(now)}`);
  });
  return out.join('\n');
}

/** `sh -c SCRIPT` in `cwd`, under the engine. */
function launchIn(dir: string, cwd: string, script: string): CkptProcess {
  return launch(dir, ['sh', '-c', `cd '${cwd}' && ${script}`]);
}

describe('command-line tools', { skip: skipUnlessBuilt }, () => {
  let data: string;

  before(async () => {
    data = path.join(ws.root, 'data.txt');
    const gen = await runPlain(['awk', DATA_AWK]);
    assert.equal(gen.code, 0, gen.stderr);
    fs.writeFileSync(data, gen.stdout);
  });

  test('sort spilling to temporary files, saved with --kill mid-input: the restarted sort merges them into the same output', async () => {
    // 1 MiB of buffer for 5 MB of input: sort writes runs to its -T directory as the input comes.
    const script = (gate: string) =>
      `mkdir tmp && { head -c 4000000 data.txt; ${waitFor(gate)}; tail -c +4000001 data.txt; } | sort -S 1M -T tmp -k1,1n -k3,3n > sorted.txt && sha256sum sorted.txt && wc -l < sorted.txt`;
    const plainDir = workDir('sort-plain', data);
    const plain = await runPlain(['sh', '-c', script(ws.openGate('sort-plain'))], { cwd: plainDir });
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /sorted\.txt\n300000\n$/);

    const work = workDir('sort', data);
    const dir = ws.dir('sort');
    const gate = ws.gate('sort');
    const run = launchIn(dir, work, script(gate));
    const tmp = path.join(work, 'tmp');
    await until(run, 'sort wrote two temporary files', () => fs.existsSync(tmp) && fs.readdirSync(tmp).length >= 2);
    const saved = await checkpoint(dir, '--kill');
    assert.equal(saved.code, 0, saved.stderr);
    const first = await finish(run, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, '', 'saved before the end');
    assert.ok(fs.readdirSync(tmp).length >= 2, 'the temporary files are there for the restarted sort');
    fs.writeFileSync(gate, '');

    const again = await finish(restart(dir, saved.id!), dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, plain.stdout);
    assert.deepEqual(fs.readdirSync(tmp), [], 'sort removed its temporary files at the end');
  });

  test('find | xargs -P3 running three shells at a time, saved with --kill: the restarted jobs finish with the same checksums', async () => {
    const tree = path.join(ws.root, 'tree');
    fs.mkdirSync(tree);
    const text = fs.readFileSync(data);
    for (let i = 1; i <= 30; i++) fs.writeFileSync(path.join(tree, `f${String(i).padStart(2, '0')}`), text.subarray(i * 1000, i * 40000));
    // One job (f20) holds at the gate; the others go on around it, three at a time.
    const script = (gate: string) =>
      `mkdir sums && find '${tree}' -type f -print | sort | xargs -n1 -P3 sh -c 'case "$1" in */f20) ${waitFor(gate)};; esac; sleep 0.05; sha256sum "$1" > "sums/\${1##*/}"' sh && cat sums/* | sha256sum && ls sums | wc -l`;
    const plainDir = workDir('xargs-plain', data);
    const plain = await runPlain(['sh', '-c', script(ws.openGate('xargs-plain'))], { cwd: plainDir });
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /-\n30\n$/);

    const work = workDir('xargs', data);
    const dir = ws.dir('xargs');
    const gate = ws.gate('xargs');
    const run = launchIn(dir, work, script(gate));
    const sums = path.join(work, 'sums');
    await until(run, 'ten jobs done', () => fs.existsSync(sums) && fs.readdirSync(sums).length >= 10);
    const saved = await checkpoint(dir, '--kill');
    assert.equal(saved.code, 0, saved.stderr);
    const first = await finish(run, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(!fs.existsSync(path.join(sums, 'f20')) || fs.statSync(path.join(sums, 'f20')).size === 0, 'the gated job had not run');
    fs.writeFileSync(gate, '');

    const again = await finish(restart(dir, saved.id!), dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, plain.stdout);
    for (const f of fs.readdirSync(path.join(plainDir, 'sums'))) {
      assert.equal(fs.readFileSync(path.join(sums, f), 'utf8'), fs.readFileSync(path.join(plainDir, 'sums', f), 'utf8'), f);
    }
  });

  test('zstd -T2 compressing a stream, saved with --kill between jobs: the restarted compressor writes the same bytes', async () => {
    // -B1MiB: a job per MiB, so the output grows while the input still comes.
    const script = (gate: string) =>
      `{ head -c 4000000 data.txt; ${waitFor(gate)}; tail -c +4000001 data.txt; } | zstd -q -T2 -B1MiB -10 -c > out.zst && zstd -dc out.zst | cmp - data.txt && echo same`;
    const plainDir = workDir('zstd-plain', data);
    const plain = await runPlain(['sh', '-c', script(ws.openGate('zstd-plain'))], { cwd: plainDir });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, 'same\n');

    const work = workDir('zstd', data);
    const dir = ws.dir('zstd');
    const gate = ws.gate('zstd');
    const run = launchIn(dir, work, script(gate));
    const out = path.join(work, 'out.zst');
    await until(run, 'zstd wrote its first jobs', () => fs.existsSync(out) && fs.statSync(out).size > 0);
    const saved = await checkpoint(dir, '--kill');
    assert.equal(saved.code, 0, saved.stderr);
    const first = await finish(run, dir);
    assert.equal(first.code, 0, first.stderr);
    fs.writeFileSync(gate, '');

    const again = await finish(restart(dir, saved.id!), dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(first.stdout + again.stdout, 'same\n');
    assert.ok(fs.readFileSync(out).equals(fs.readFileSync(path.join(plainDir, 'out.zst'))), 'the same compressed bytes as the uninterrupted run');
  });

  test('gcc -O2 saved with --kill while cc1 compiles, restarted: gcc reaps cc1, assembles, links, and the object is the same', async () => {
    const src = path.join(ws.root, 'big.c');
    fs.writeFileSync(src, bigC());
    const script = (gate: string) => `gcc -O2 -c '${src}' -o big.o && ${waitFor(gate)} && gcc big.o -o big && ./big && sha256sum big.o`;
    const plainDir = workDir('gcc-plain', data);
    const plain = await runPlain(['sh', '-c', script(ws.openGate('gcc-plain'))], { cwd: plainDir });
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^-?\d+\n[0-9a-f]{64}  big\.o\n$/);

    const work = workDir('gcc', data);
    const dir = ws.dir('gcc');
    const gate = ws.gate('gcc');
    const run = launchIn(dir, work, script(gate));
    // gcc waits for cc1 (waitpid on its pid) while cc1 compiles: save then.
    const end = Date.now() + 60000;
    for (;;) {
      const st = await runCkpt(['status', '--dir', dir, '--json']);
      if (st.code === 0 && (JSON.parse(st.stdout) as ResourceTables).processes.some((p) => /(^|\/)cc1$/.test(p.argv[0] ?? ''))) break;
      if (run.child.exitCode !== null) throw new Error(`gcc ended before cc1 was seen: ${run.stderr}`);
      if (Date.now() > end) throw new Error('timed out waiting for cc1 to start');
      await new Promise((r) => setTimeout(r, 20));
    }
    const saved = await checkpoint(dir, '--kill');
    assert.equal(saved.code, 0, saved.stderr);
    const first = await finish(run, dir);
    assert.equal(first.code, 0, first.stderr);
    fs.writeFileSync(gate, '');

    const again = await finish(restart(dir, saved.id!), dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, plain.stdout);
  });

  test('make -j8: ten checkpoints without --kill while eight recipes run, the build ends as an uninterrupted one; a snapshot restarted later builds the same', async () => {
    // 32 parts of a fifth of a second each, joined at the end once the gate opens.
    const parts = Array.from({ length: 32 }, (_, i) => `p${String(i).padStart(2, '0')}.txt`);
    const makefile = (gate: string) =>
      [
        `all.txt: ${parts.join(' ')}`,
        `\t${waitFor(gate)}`,
        '\tcat $^ > $@',
        '\t@echo built $$(wc -l < $@) lines',
        '',
        // Each part is written in place, not through a temporary file renamed
        // afterwards: a snapshot holds only the files open for writing, so a recipe
        // restarted from the first snapshot between its write and its rename would
        // find the temporary file already renamed by the uninterrupted run.
        ...parts.map((p, i) => `${p}:\n\tsleep 0.2\n\tseq ${i * 100} ${i * 100 + 99} | sha1sum > $@\n`),
      ].join('\n');
    const project = (name: string, gate: string) => {
      const d = path.join(ws.root, name);
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'Makefile'), makefile(gate));
      return d;
    };
    const plainDir = project('make8-plain', ws.openGate('make8-plain'));
    const plain = await runPlain(['make', '-s', '--no-print-directory', '-j8', '-C', plainDir]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, 'built 32 lines\n');
    const expected = fs.readFileSync(path.join(plainDir, 'all.txt'), 'utf8');

    const gate = ws.gate('make8');
    const build = project('make8-build', gate);
    const dir = ws.dir('make8');
    const run = launch(dir, ['make', '-s', '--no-print-directory', '-j8', '-C', build]);
    await until(run, 'the first parts built', () => fs.readdirSync(build).some((f) => /^p\d+\.txt$/.test(f)));
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const saved = await checkpoint(dir);
      assert.equal(saved.code, 0, `checkpoint ${i + 1}: ${saved.stderr}`);
      ids.push(saved.id!);
    }
    fs.writeFileSync(gate, '');
    const live = await finish(run, dir);
    assert.equal(live.code, 0, live.stderr);
    assert.equal(live.stdout, plain.stdout);
    const built = fs.readFileSync(path.join(build, 'all.txt'), 'utf8');
    assert.equal(built, expected, `all.txt differs:\n${partsDiff(expected, built, build, parts)}`);

    // The first snapshot again: make goes on from where it was (the parts it had
    // built are on disk; those being written are put back as they were then, and
    // the pipes into their sha1sum hold what seq had written) and joins them anew.
    fs.rmSync(path.join(build, 'all.txt'));
    const again = await finish(restart(dir, ids[0]), dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, plain.stdout);
    const rebuilt = fs.readFileSync(path.join(build, 'all.txt'), 'utf8');
    assert.equal(rebuilt, expected, `all.txt differs:\n${partsDiff(expected, rebuilt, build, parts)}\nrestart's stderr:\n${again.stderr}`);
  });

  test('bash: children forked and exec\'d after a restart signal the shell by $$ and $PPID and read /proc/$$, as before it', async () => {
    // Each round: a subshell signals the shell, an exec'd sh checks its parent
    // is there, cat reads the shell's /proc entry. Round 6 holds at the gate.
    const script = (gate: string) =>
      `trap 'echo got USR1' USR1; for i in 1 2 3 4 5 6 7 8 9 10; do [ $i = 6 ] && { ${waitFor(gate)}; }; ( kill -USR1 $$ ); sh -c 'kill -0 $PPID && echo parent there'; echo "round $i $(cat /proc/$$/comm)"; done`;
    const plain = await runPlain(['bash', '-c', script(ws.openGate('bash-plain'))]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, Array.from({ length: 10 }, (_, i) => `got USR1\nparent there\nround ${i + 1} bash\n`).join(''));

    const dir = ws.dir('bash');
    const gate = ws.gate('bash');
    const { first, again } = await savedAndRestarted(dir, gate, ['bash', '-c', script(gate)], /^round 5 /m);
    assert.equal(again.stderr, '', 'no "No such process", no missing /proc entry');
    assert.equal(first.stdout + again.stdout, plain.stdout);
  });
});

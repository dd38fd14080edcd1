import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { checkpoint, finish, launch, restart, runPlain, skipUnlessBuilt, Workspace } from './fixtures/computation';

const ws = new Workspace();
after(() => ws.cleanup());

/** 16 parts that take a quarter second each, joined at the end: about two seconds with two jobs. */
function makefile(gate: string): string {
  const parts = Array.from({ length: 16 }, (_, i) => `part${String(i).padStart(2, '0')}`);
  const rules = parts.map((p, i) => `${p}.txt:\n\tsleep 0.25\n\tseq ${i * 1000} ${i * 1000 + 999} | sum > $@.tmp && mv $@.tmp $@\n`);
  return [
    `all.txt: ${parts.map((p) => `${p}.txt`).join(' ')}`,
    // The gate (see Workspace.gate): the build cannot end before the test has saved it.
    `\twhile [ ! -e ${gate} ]; do sleep 0.05; done`,
    '\tcat $^ > $@',
    '\t@echo built $$(wc -l < $@) parts',
    '',
    ...rules,
  ].join('\n');
}

/** A fresh build directory holding only the Makefile. */
function project(name: string, gate: string): string {
  const d = path.join(ws.root, name);
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'Makefile'), makefile(gate));
  return d;
}

describe('make -j2', { skip: skipUnlessBuilt }, () => {
  test('saved while two recipes run, restarted: the same files and output as an uninterrupted build', async () => {
    const plainDir = project('plain', ws.openGate('make-plain'));
    const plain = await runPlain(['make', '-s', '--no-print-directory', '-j2', '-C', plainDir]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, 'built 16 parts\n');
    const expected = fs.readFileSync(path.join(plainDir, 'all.txt'), 'utf8');

    const gate = ws.gate('make');
    const build = project('build', gate);
    const dir = ws.dir('make');
    const run = launch(dir, ['make', '-s', '--no-print-directory', '-j2', '-C', build]);
    // Two parts done: make is mid-build, with jobs running.
    const done = () => fs.readdirSync(build).filter((f) => /^part\d+\.txt$/.test(f)).length;
    while (done() < 2) {
      assert.equal(run.child.exitCode, null, `make ended early: ${run.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const saved = await checkpoint(dir, '--kill');
    assert.equal(saved.code, 0, saved.stderr);
    const first = await finish(run, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(fs.existsSync(path.join(build, 'all.txt')), false, 'the build was not finished when saved');
    const partsAtSave = done();
    assert.ok(partsAtSave < 16);
    fs.writeFileSync(gate, '');

    const again = await finish(restart(dir, saved.id!), dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(first.stdout + again.stdout, plain.stdout);
    assert.equal(fs.readFileSync(path.join(build, 'all.txt'), 'utf8'), expected);
    assert.equal(done(), 16);
    assert.deepEqual(fs.readdirSync(build).filter((f) => f.endsWith('.tmp')), [], 'no recipe left a half-made file');
  });
});

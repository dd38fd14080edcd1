/** Building the program of a C file with the real gcc, and the messages when it cannot. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { buildProgram, isBuildableSource, programFor } from '../../src/cBuild';

const root = path.resolve(__dirname, '../../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-build-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the example workspace program builds with gcc -g -O0 and runs', async () => {
  const source = path.join(dir, 'journal.c');
  fs.copyFileSync(path.join(root, 'test/workspace/journal.c'), source);
  const result = await buildProgram(source);
  assert.equal(result.program, path.join(dir, 'journal'));
  const out = execFileSync(result.program, ['6'], { cwd: dir }).toString();
  assert.match(out, /6 reached 1 after 8 steps; the highest value was 16/);
  // -g: the program carries DWARF debug info.
  const elf = fs.readFileSync(result.program);
  assert.ok(elf.includes(Buffer.from('.debug_info')), 'built with debug info');
});

test('a missing compiler is named, with how to install it', async () => {
  const source = path.join(dir, 'a.c');
  fs.writeFileSync(source, 'int main(void) { return 0; }\n');
  await assert.rejects(buildProgram(source, undefined, 'no-such-gcc-here'), /no-such-gcc-here was not found on PATH; install it/);
});

test('a compile error is reported with the compiler\'s first error line', async () => {
  const source = path.join(dir, 'broken.c');
  fs.writeFileSync(source, 'int main(void) { return undefined_thing; }\n');
  await assert.rejects(buildProgram(source), (e: Error) => {
    assert.match(e.message, /^gcc could not build broken\.c \(exit 1\): .*undefined_thing/);
    assert.doesNotMatch(e.message, /\n\s+at /);
    return true;
  });
});

test('only C and C++ sources are built', async () => {
  assert.equal(isBuildableSource('/x/a.c'), true);
  assert.equal(isBuildableSource('/x/a.cpp'), true);
  assert.equal(isBuildableSource('/x/a.py'), false);
  assert.equal(programFor('/x/y/prog.c'), '/x/y/prog');
  await assert.rejects(buildProgram('/x/notes.txt'), /notes\.txt is not a C or C\+\+ source file/);
});

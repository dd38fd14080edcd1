/**
 * Dirty-page tracking (native/lib/plugins/memory/dirty.c). Each C program here
 * compiles the module in, with the engine's util.c, and checks what its scans
 * report against what the program itself did to its memory: exact written
 * pages (also by read(2)), dropped pages, huge pages, remapped, split and
 * grown regions, fork, threads, and a program that uses userfaultfd itself. A program prints one "ok" line per
 * check passed and FAIL with the reason otherwise. uses_uffd.c runs under the
 * engine, whose status answer says which mode the tracking is in and why.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { engineMissing, REPO, statusProcesses, withRun } from '../../scenarios/harness';

const SRC = path.join(REPO, 'test', 'engine', 'dirty');
const MODULE = [
  path.join(REPO, 'native', 'lib', 'plugins', 'memory', 'dirty.c'),
  path.join(REPO, 'native', 'lib', 'util.c'),
];

let binDir = '';
before(() => {
  binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-dirty-bin-'));
  fs.chmodSync(binDir, 0o755); // the unprivileged run needs to reach its program
});
after(() => {
  if (binDir) fs.rmSync(binDir, { recursive: true, force: true });
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[], timeoutMs = 300_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr: err && code === null ? `${stderr}\n${err.message}` : stderr });
    });
  });
}

async function build(name: string, withModule = true): Promise<string> {
  const bin = path.join(binDir, name);
  const sources = [path.join(SRC, `${name}.c`), ...(withModule ? MODULE : [])];
  const r = await exec('gcc', ['-O1', '-g', '-pthread', '-Wall', '-Wextra', '-Wno-unused-parameter', '-Werror', '-o', bin, ...sources]);
  assert.equal(r.code, 0, `gcc could not build ${name}.c:\n${r.stderr}`);
  return bin;
}

/** Runs a program and checks that it printed every expected "ok" line and exited 0. */
async function expectOk(bin: string, oks: string[], prefix: string[] = []): Promise<string> {
  const r = prefix.length ? await exec(prefix[0], [...prefix.slice(1), bin]) : await exec(bin, []);
  const out = `--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
  assert.equal(r.code, 0, `${path.basename(bin)} failed (status ${r.code})\n${out}`);
  for (const o of oks) assert.ok(r.stdout.split('\n').includes(`ok ${o}`), `no "ok ${o}"\n${out}`);
  return r.stdout;
}

describe('dirty-page tracking, compiled into test programs', () => {
  test('pages written after the arm are reported exactly (k random pages of 256 MiB, four rounds; read(2) into pages)', async () => {
    const out = await expectOk(await build('exact'), ['kernel writes', 'exact']);
    assert.match(out, /round 3: \d{4,} pages written/);
  });

  test('works without privilege (run as nobody)', async () => {
    await expectOk(await build('exact'), ['kernel writes', 'exact'], ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);
  });

  test('dropped pages (MADV_DONTNEED, MADV_FREE discarded) are never reported clean; private file mappings are untracked', async () => {
    await expectOk(await build('dropped'), ['anonymous dropped pages', 'freed pages discarded', 'private file mapping dropped pages']);
  });

  test('transparent huge pages: every page written or dropped is reported', async () => {
    await expectOk(await build('thp'), ['huge pages']);
  });

  test('munmap + mmap at the same address, MAP_FIXED, mremap, mprotect splits, a region too large', async () => {
    await expectOk(await build('remap'), ['too large to track', 'replaced at the same address', 'moved and grown by mremap', 'split by mprotect']);
  });

  test('a heap grown by brk and a stack grown by recursion', async () => {
    await expectOk(await build('grow'), ['heap grown by brk', 'stack grown by recursion']);
  });

  test('fork: the child is untracked until its arm, the parent unaffected by it', async () => {
    await expectOk(await build('fork'), ['child untracked until its arm', 'parent unaffected by its child']);
  });

  test('snapshots kept only from what the scans report stay equal to memory that churns every way', async () => {
    await expectOk(await build('churn'), ['churn']);
  });

  test('the page map shows a never-touched tracked page as swapped (a protection marker) until forget', async () => {
    await expectOk(await build('markers'), ['page map markers']);
  });

  test('forget after a failed snapshot: untracked until a fresh arm, no page lost', async () => {
    await expectOk(await build('forget'), ['forget']);
  });

  test('threads writing concurrently', async () => {
    await expectOk(await build('threads'), ['scans while threads write', 'threads stopped between scans']);
  });

  test('a program that uses userfaultfd itself: the tracking steps aside, the program works', async () => {
    await expectOk(await build('own_uffd'), ['stepped aside when told by the wrappers', 'stepped aside at the next arm']);
  });
});

async function dirtyStatus(dir: string): Promise<unknown> {
  const procs = await statusProcesses(dir);
  assert.ok(procs && procs.length === 1, `status: ${JSON.stringify(procs)}`);
  return (procs[0].plugins as Record<string, unknown> | undefined)?.dirtyPages;
}

describe('dirty-page tracking under the engine', { skip: engineMissing() }, () => {
  test('a restarted process says its mode again', async () => {
    const bin = await build('uses_uffd', false);
    await withRun(async (run) => {
      const dir = run.tempDir('ckpt-dirty-');
      const p = run.launch(dir, bin, ['none']);
      await p.waitForLine(/^ready$/);
      assert.deepEqual(await dirtyStatus(dir), { mode: 'uffd-wp' });
      const id = await run.checkpointKill(dir, p);
      await p.waitExit();
      run.restart(dir, id);
      let dirty: unknown;
      for (let i = 0; i < 100 && dirty === undefined; i++) {
        dirty = await dirtyStatus(dir).catch(() => undefined);
        if (dirty === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(dirty, { mode: 'uffd-wp' });
    });
  });

  for (const how of ['none', 'syscall', 'device']) {
    test(`status names the mode: program using userfaultfd through ${how}`, async () => {
      const bin = await build('uses_uffd', false);
      await withRun(async (run) => {
        const dir = run.tempDir('ckpt-dirty-');
        const p = run.launch(dir, bin, [how]);
        await p.waitForLine(/^ready$/);
        if (how !== 'none') assert.ok(p.lines.includes('own tracking: ok'), p.describe());
        const dirty = await dirtyStatus(dir);
        if (how === 'none') assert.deepEqual(dirty, { mode: 'uffd-wp' });
        else
          assert.deepEqual(dirty, {
            mode: 'hash',
            why: how === 'syscall' ? 'the program uses userfaultfd' : 'the program opens /dev/userfaultfd',
          });
      });
    });
  }
});

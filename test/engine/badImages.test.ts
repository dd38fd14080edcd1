import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nativePathsUnchecked } from '../../adapter/engine/nativePaths';
import { killStarted } from '../fixtures/cliRunner';
import { tempDir } from '../fixtures/harness';
import { savedStepper } from './fixtures/savedStepper';

const native = nativePathsUnchecked();
after(killStarted);

/** Header fields (native/include/ckpt_image.h): magic at 0, version at 8, arch at 12. */
function damaged(image: string, out: string, edit: (b: Buffer) => Buffer): string {
  fs.writeFileSync(out, edit(fs.readFileSync(image)));
  return out;
}

/** The blocks that hold the image's pages (native/README.md, "Blocks"), from the inspector. */
function blocksOf(image: string): string[] {
  const r = spawnSync(native.inspect, [image], { encoding: 'utf8' });
  const names = (JSON.parse(r.stdout) as { contents: { blocks: { name: string }[] } }).contents.blocks.map((b) => b.name);
  assert.ok(names.length > 0, 'the image keeps its pages in blocks');
  return names.map((n) => path.join(path.dirname(image), 'blocks', n));
}

describe('the restorer refuses a bad image, names it and the problem, and runs nothing of the program', () => {
  let work: string;
  let image: string;

  before(async () => {
    work = tempDir('ckpt-bad-');
    ({ image } = await savedStepper(work));
  });

  const cases: [string, (b: Buffer, image: string) => Buffer, RegExp][] = [
    ['truncated', (b) => b.subarray(0, b.length - 1000), /truncated/],
    ['wrong magic', (b) => Buffer.concat([Buffer.from('X'), b.subarray(1)]), /not an image \(wrong magic\)/],
    ['another version', (b) => (b.writeUInt32LE(9, 8), b), /unsupported image version 9/],
    ['another architecture', (b) => (b.writeUInt32LE(183, 12), b), /another architecture/],
    ['a damaged section table', (b) => ((b[b.length - 20] ^= 0xff), b), /corrupt/],
  ];
  for (const [name, edit, why] of cases) {
    test(name, () => {
      const bad = damaged(image, path.join(work, `${name.replace(/ /g, '-')}.img`), (b) => edit(Buffer.from(b), image));
      const r = spawnSync(native.restore, [bad], { encoding: 'utf8', timeout: 30000 });
      assert.equal(r.status, 2, `exit status; stderr: ${r.stderr}`);
      assert.ok(r.stderr.includes(bad), `the message names the image: ${r.stderr}`);
      assert.match(r.stderr, why);
      assert.equal(r.stdout, '', 'nothing of the program ran');
    });
  }

  test('an fd record whose size is not its kind\'s (checksums right): refused, the fd and its kind named', () => {
    // test/fuzz/craft.c `fdsize`: the first fd's record 8 bytes longer, every checksum recomputed
    const craft = path.join(work, 'craft');
    execFileSync('gcc', ['-O1', '-g', '-o', craft, path.resolve(__dirname, '../../../test/fuzz/craft.c')]);
    const first = (JSON.parse(spawnSync(native.inspect, [image], { encoding: 'utf8' }).stdout) as { fds: { fd: number }[] }).fds[0];
    const bad = path.join(work, 'fdsize.img');
    execFileSync(craft, ['fdsize', image, bad]);
    const r = spawnSync(native.restore, [bad], { encoding: 'utf8', timeout: 30000 });
    assert.equal(r.status, 2, `exit status; stderr: ${r.stderr}`);
    assert.ok(r.stderr.includes(bad), `the message names the image: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`the files section is corrupt \\(fd ${first.fd}: its [a-z ]+ record is (\\d+) bytes, not (\\d+)\\)`));
    const [, got, want] = /record is (\d+) bytes, not (\d+)/.exec(r.stderr)!;
    assert.equal(Number(got), Number(want) + 8);
    assert.equal(r.stdout, '', 'nothing of the program ran');
    const i = spawnSync(native.inspect, [bad], { encoding: 'utf8' });
    assert.equal(i.status, 2);
    assert.match(i.stderr, /fd \d+: its [a-z ]+ record is \d+ bytes, not \d+/);
  });

  test('a damaged block of pages, and a missing one: refused, the block and the image named', () => {
    const block = blocksOf(image)[0];
    const saved = fs.readFileSync(block);
    try {
      const bad = Buffer.from(saved);
      bad[Math.floor(bad.length / 2)] ^= 0xff;
      fs.writeFileSync(block, bad);
      const r = spawnSync(native.restore, [image], { encoding: 'utf8', timeout: 30000 });
      assert.equal(r.status, 2, `exit status; stderr: ${r.stderr}`);
      assert.ok(r.stderr.includes(image), `the message names the image: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`block ${path.basename(block).replace('.', '\\.')} of the memory contents \\(chunk 0, the memory from 0x[0-9a-f]+\\) is corrupt|memory contents are corrupt`));
      assert.equal(r.stdout, '', 'nothing of the program ran');
      fs.rmSync(block);
      const gone = spawnSync(native.restore, [image], { encoding: 'utf8', timeout: 30000 });
      assert.equal(gone.status, 2);
      assert.match(gone.stderr, new RegExp(`block ${path.basename(block).replace('.', '\\.')} of the memory contents \\(chunk 0, .*\\) is missing`));
      assert.equal(gone.stdout, '', 'nothing of the program ran');
    } finally {
      fs.writeFileSync(block, saved);
    }
  });

  test('a file the image needs is gone: the message names it', () => {
    // The image itself restores: the program reads its (empty) stdin and ends.
    const r = spawnSync(native.restore, [image], { encoding: 'utf8', timeout: 30000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^done 2\n$/);
    const stepperBin = path.join(work, 'stepper');
    fs.renameSync(stepperBin, stepperBin + '.moved');
    try {
      const gone = spawnSync(native.restore, [image], { encoding: 'utf8', timeout: 30000 });
      assert.equal(gone.status, 2);
      assert.ok(gone.stderr.includes(stepperBin), `names the missing file: ${gone.stderr}`);
      assert.equal(gone.stdout, '');
    } finally {
      fs.renameSync(stepperBin + '.moved', stepperBin);
    }
  });
});

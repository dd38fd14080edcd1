import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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

/** Offset of the memory contents, from the inspector's section table. */
function memdataOffset(image: string): number {
  const r = spawnSync(native.inspect, [image], { encoding: 'utf8' });
  const sections = (JSON.parse(r.stdout) as { sections: { type: string; offset: number; size: number }[] }).sections;
  const s = sections.find((x) => x.type === 'memdata');
  assert.ok(s && s.size > 0, 'the image has memory contents');
  return s.offset + Math.floor(s.size / 2);
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
    ['a damaged page', (b, img) => ((b[memdataOffset(img)] ^= 0xff), b), /memory contents are corrupt/],
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

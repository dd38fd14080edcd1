import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { runCkpt } from '../fixtures/cliRunner';
import { tempDir } from '../fixtures/harness';

/** The uid of `nobody`: another user than the one running the tests. */
const OTHER = 65534;
const asRoot = process.getuid?.() === 0;
const mode = (p: string) => fs.lstatSync(p).mode & 0o7777;

describe('a computation directory someone else prepared', () => {
  test('another user\'s world-writable folder whose snapshots/ links to theirs: every command refuses it, naming it, and writes nothing', { skip: asRoot ? false : 'chown needs root' }, async () => {
    const root = tempDir('ckpt-hostile-');
    const shared = path.join(root, 'shared');
    const theirs = path.join(root, 'theirs');
    fs.mkdirSync(shared);
    fs.mkdirSync(theirs);
    fs.symlinkSync(theirs, path.join(shared, 'snapshots'));
    fs.chmodSync(shared, 0o777);
    fs.chmodSync(theirs, 0o777);
    for (const p of [shared, theirs]) fs.chownSync(p, OTHER, OTHER);
    fs.lchownSync(path.join(shared, 'snapshots'), OTHER, OTHER);

    const launch = await runCkpt(['launch', '--dir', shared, '--', 'true']);
    assert.equal(launch.code, 1);
    assert.equal(launch.stderr, `ckpt launch: ${shared} belongs to another user (uid ${OTHER}): use a directory of your own\n`);
    for (const cmd of [['checkpoint'], ['status'], ['kill'], ['restore', '1'], ['restart', '1']]) {
      const r = await runCkpt([cmd[0], '--dir', shared, ...cmd.slice(1)]);
      assert.equal(r.code, 1, cmd[0]);
      assert.match(r.stderr, new RegExp(`^ckpt ${cmd[0]}: ${shared} belongs to another user`), cmd[0]);
    }
    assert.deepEqual(fs.readdirSync(theirs), [], 'nothing written through the link');
    assert.deepEqual(fs.readdirSync(shared), ['snapshots'], 'no socket left where its owner could rename it');
    assert.equal(mode(shared), 0o777, 'the folder keeps its mode');
  });

  test('a folder of ours that others can write is refused with its mode; once private it is used', async () => {
    const dir = path.join(tempDir('ckpt-hostile-'), 'open');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o777);
    const refused = await runCkpt(['launch', '--dir', dir, '--', 'true']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, `ckpt launch: ${dir} can be written by other users (mode 0777): make it private (chmod 700) or use another --dir\n`);
    assert.deepEqual(fs.readdirSync(dir), []);
    fs.chmodSync(dir, 0o700);
    const ran = await runCkpt(['launch', '--dir', dir, '--', 'true']);
    assert.equal(ran.code, 0, ran.stderr);
  });

  test('a link planted at snapshots/ in a folder of ours is not followed', async () => {
    const root = tempDir('ckpt-hostile-');
    const dir = path.join(root, 'd');
    const elsewhere = path.join(root, 'elsewhere');
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.mkdirSync(elsewhere, { mode: 0o755 });
    fs.chmodSync(elsewhere, 0o755);
    fs.symlinkSync(elsewhere, path.join(dir, 'snapshots'));
    const r = await runCkpt(['launch', '--dir', dir, '--', 'true']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `ckpt launch: ${path.join(dir, 'snapshots')} is a symbolic link: refusing to follow it (remove it)\n`);
    assert.equal(mode(elsewhere), 0o755, 'the link\'s target keeps its mode');
    assert.deepEqual(fs.readdirSync(elsewhere), []);
  });

  test('a folder inside one that others can write (not sticky) is refused: they could swap it', async () => {
    const parent = path.join(tempDir('ckpt-hostile-'), 'public');
    fs.mkdirSync(parent);
    fs.chmodSync(parent, 0o777);
    const dir = path.join(parent, 'mine');
    const r = await runCkpt(['launch', '--dir', dir, '--', 'true']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `ckpt launch: ${dir} is inside ${parent}, which other users can write (mode 0777): they could replace ${dir}\n`);
    // Under a sticky folder (as /tmp) others cannot rename what is ours: accepted.
    fs.chmodSync(parent, 0o1777);
    const ok = await runCkpt(['launch', '--dir', dir, '--', 'true']);
    assert.equal(ok.code, 0, ok.stderr);
  });
});

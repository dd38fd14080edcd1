import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { checkpoint, finish, launch, skipUnlessBuilt, Workspace } from './fixtures/computation';

const ws = new Workspace();
after(() => ws.cleanup());

/**
 * A child that the engine cannot enter (a statically linked program): a
 * snapshot of its parent alone would come back waiting for a child it does
 * not have, so the checkpoint is refused, naming it, and the program runs on.
 */
describe('a child outside the engine', { skip: skipUnlessBuilt }, () => {
  test('the checkpoint is refused with the reason, and the program finishes', async () => {
    const dir = path.join(ws.root, 'src');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'helper.c'), '#include <unistd.h>\nint main(void) { sleep(3); return 0; }\n');
    const helper = path.join(dir, 'helper');
    execFileSync('gcc', ['-static', '-O', '-o', helper, path.join(dir, 'helper.c')]);
    const script = `echo started; ${helper}; echo finished`;
    const ckptDir = ws.dir('stray');
    const run = launch(ckptDir, ['sh', '-c', script]);
    await run.waitForStdout(/started\n/);
    // the static helper is running now (sh waits for it)
    const refused = await checkpoint(ckptDir);
    assert.notEqual(refused.code, 0, 'the checkpoint was refused');
    assert.match(refused.stderr, /has a child, pid \d+, that does not run under the engine/);
    const done = await finish(run, ckptDir);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout, 'started\nfinished\n');
    assert.deepEqual(fs.readdirSync(path.join(ckptDir, 'snapshots')), [], 'no snapshot was left');
  });
});

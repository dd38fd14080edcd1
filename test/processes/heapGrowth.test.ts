import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, describe, test } from 'node:test';
import { compileC } from '../fixtures/cliRunner';
import { checkpoint, finish, launch, restart, skipUnlessBuilt, Workspace } from './fixtures/computation';

/*
 * A heap grown by brk between two snapshots and not touched yet (make's, as its
 * jobs come and go). The dirty-page tracking registers the new part after the
 * memory was listed, and the kernel merges it with the older, registered part:
 * the forked writer's copy holds the listed regions in fewer mappings.
 */
const GROW_C = String.raw`
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	int k = 0;
	for (; access(argv[1], F_OK) != 0; k++) {
		sbrk(64 << 10);
		printf("grown %d\n", k);
		usleep(20000);
	}
	printf("done\n");
	return 0;
}
`;

const ws = new Workspace();
after(() => ws.cleanup());

describe('a heap that grows between snapshots', { skip: skipUnlessBuilt }, () => {
  test('grown by brk and untouched: every snapshot without --kill succeeds, and the last one restarts', async () => {
    const exe = compileC(ws.root, 'grow', GROW_C);
    const dir = ws.dir('growrun');
    const gate = ws.gate('grow');
    const run = launch(dir, [exe, gate]);
    let ids: string[] = [];
    for (let k = 0; k < 4; k++) {
      // a few more 64 KiB steps since the last snapshot
      const seen = (run.stdout.match(/^grown /gm) ?? []).length;
      await run.waitForStdout(new RegExp(`^grown ${seen + 3}$`, 'm'));
      const saved = await checkpoint(dir);
      assert.equal(saved.code, 0, `checkpoint ${k + 1}: ${saved.stderr}`);
      ids = [...ids, saved.id!];
    }
    fs.writeFileSync(gate, '');
    const first = await finish(run, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /\ndone\n$/);

    const again = await finish(restart(dir, ids[3]), dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'done\n', 'the gate is open: the restarted loop ends at once');
  });
});

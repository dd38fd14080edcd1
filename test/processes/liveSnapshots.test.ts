import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { checkpoint, finish, launch, restart, runPlain, skipUnlessBuilt, Workspace } from './fixtures/computation';
import { waitForProcesses } from './fixtures/waiting';

/**
 * Snapshots of a running shell pipeline that do not stop it for good: the five
 * processes are captured together, go on together, and their forked writers
 * finish the images meanwhile. The pipeline ends with the digest of an
 * uninterrupted run, and so does each snapshot restarted afterwards.
 */
function pipeline(gate: string): string {
  const wait = `NR == 3000000 { while (system("[ -e ${gate} ]")) system("sleep 0.05") }`;
  return `seq 1 4000000 | awk '${wait} { print $1 * 7 }' | gzip -1 | gzip -d | sha256sum`;
}
const ws = new Workspace();
after(() => ws.cleanup());

describe('snapshots of a running pipeline', { skip: skipUnlessBuilt }, () => {
  test('three taken while the data flows: the pipeline and each restarted snapshot end with the same digest', async () => {
    const plain = await runPlain(['sh', '-c', pipeline(ws.openGate('live-plain'))]);
    assert.equal(plain.code, 0, plain.stderr);
    const dir = ws.dir('live');
    const gate = ws.gate('live');
    const run = launch(dir, ['sh', '-c', pipeline(gate)]);
    await waitForProcesses(dir, 6, run);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const saved = await checkpoint(dir);
      assert.equal(saved.code, 0, saved.stderr);
      ids.push(saved.id!);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'snapshots', saved.id!, 'manifest.json'), 'utf8'));
      // awk's gate check runs short-lived shells: they may be in it too
      assert.ok(manifest.processes.length >= 6, `every process is in the snapshot: ${manifest.processes.length}`);
      for (const p of manifest.processes) {
        assert.equal(typeof p.pauseUs, 'number', `process ${p.vpid} gives its pause`);
        assert.equal(p.forked, true, `process ${p.vpid} was written by a forked writer`);
      }
    }
    fs.writeFileSync(gate, '');
    const first = await finish(run, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, plain.stdout, 'the pipeline ran on unharmed');
    for (const id of ids) {
      const again = await finish(restart(dir, id), dir);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, plain.stdout, `snapshot ${id} restarted ends as an uninterrupted run`);
    }
  });
});

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { ResourceTables } from '../../adapter/engine/tables';
import { checkpoint, finish, launch, restart, runCkpt, runPlain, skipUnlessBuilt, Workspace } from './fixtures/computation';
import { waitForProcesses } from './fixtures/waiting';

/**
 * A shell pipeline of five programs streaming ~300 MB between them (about two
 * seconds of work here), saved while the data flows and restarted.
 */
function pipeline(gate: string): string {
  // awk holds the gate (see Workspace.gate) near the end of the stream.
  const wait = `NR == 11000000 { while (system("[ -e ${gate} ]")) system("sleep 0.05") }`;
  return `seq 1 12000000 | awk '${wait} { print $1 * 3 }' | gzip -1 | gzip -d | sha256sum`;
}
const ws = new Workspace();
after(() => ws.cleanup());

describe('a shell pipeline', { skip: skipUnlessBuilt }, () => {
  let reference: string;
  before(async () => {
    const plain = await runPlain(['sh', '-c', pipeline(ws.openGate('pipeline-plain'))]);
    assert.equal(plain.code, 0, plain.stderr);
    reference = plain.stdout;
    assert.match(reference, /^[0-9a-f]{64} {2}-\n$/);
  });

  let dir: string;
  let gate: string;
  let snapshot: string;

  test('saved mid-stream with --kill: live and snapshot tables show the same tree and pipes', async () => {
    dir = ws.dir('pipeline');
    gate = ws.gate('pipeline');
    const run = launch(dir, ['sh', '-c', pipeline(gate)]);
    const live = await waitForProcesses(dir, 6, run);

    // The live tables: every pipe links one program's stdout to the next one's stdin.
    const byName = (t: ResourceTables, name: string) => t.processes.find((p) => p.argv[0] === name)!;
    for (const t of [live]) {
      const seq = byName(t, 'seq');
      const awk = byName(t, 'awk');
      assert.ok(seq && awk, `seq and awk are in ${JSON.stringify(t.processes.map((p) => p.argv))}`);
      assert.deepEqual(seq.fds.find((f) => f.fd === 1)?.peer, { vpid: awk.vpid, fd: 0 });
      assert.deepEqual(awk.fds.find((f) => f.fd === 0)?.peer, { vpid: seq.vpid, fd: 1 });
      const sh = t.processes.find((p) => p.argv[0] === 'sh')!;
      for (const p of t.processes) if (p !== sh) assert.equal(p.vppid, sh.vpid, `${p.argv[0]} is the shell's child`);
      assert.ok(t.processes.every((p) => p.pgid === sh.pgid && p.sid === sh.sid), 'one process group and session');
    }

    const saved = await checkpoint(dir, '--kill', '--label', 'mid-stream');
    assert.equal(saved.code, 0, saved.stderr);
    const first = await finish(run, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, '', 'the checkpoint came before the digest: the pipeline was mid-run');
    fs.writeFileSync(gate, '');

    // The snapshot's tables have the live tables' shape and the same links.
    const inspect = await runCkpt(['inspect', '--dir', dir, saved.id!, '--json']);
    assert.equal(inspect.code, 0, inspect.stderr);
    const snap = JSON.parse(inspect.stdout) as ResourceTables;
    assert.equal(snap.version, live.version);
    assert.equal(snap.processes.length, 6);
    assert.deepEqual(
      snap.processes.map((p) => Object.keys(p).filter((k) => k !== 'plugins').sort()),
      live.processes.map((p) => Object.keys(p).filter((k) => k !== 'plugins').sort()),
    );
    assert.deepEqual(
      snap.processes.map((p) => [p.vpid, p.vppid, p.pgid, p.sid, p.argv]),
      live.processes.map((p) => [p.vpid, p.vppid, p.pgid, p.sid, p.argv]),
    );
    const peers = (t: ResourceTables) => t.processes.map((p) => p.fds.filter((f) => f.kind !== 'file').map((f) => [f.fd, f.path, f.peer]));
    assert.deepEqual(peers(snap), peers(live));
    snapshot = saved.id!;
  });

  test('restarted: the same digest as an uninterrupted run', async () => {
    assert.ok(snapshot, 'the first test saved the snapshot');

    const again = await finish(restart(dir, snapshot), dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, reference);
  });
});

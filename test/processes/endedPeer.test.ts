import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, describe, test } from 'node:test';
import type { ResourceTables } from '../../adapter/engine/tables';
import { checkpoint, CkptProcess, finish, launch, restart, runCkpt, runPlain, skipUnlessBuilt, Workspace } from './fixtures/computation';

/*
 * A pipe between two processes of the program whose one end's process has
 * ended before the snapshot: `seq | sha1sum` where seq wrote and exited and
 * sha1sum had not read yet (make -j8 under load). The pipe is the program's
 * own, not its standard input or output: at a restart its bytes come back in a
 * pipe of its own, not the restarting command's input.
 */

const ws = new Workspace();
after(() => ws.cleanup());

/** Ends of pipes, by inode, that some process of the computation can write to. */
function writtenPipes(t: ResourceTables): Set<string> {
  return new Set(t.processes.flatMap((p) => p.fds.filter((f) => f.path.startsWith('pipe:') && (f.flags & 3) !== 0).map((f) => f.path)));
}

/** Polls `ckpt status --json` until `ready` holds for the tables. */
async function untilTables(dir: string, run: CkptProcess, what: string, ready: (t: ResourceTables) => boolean): Promise<void> {
  const end = Date.now() + 60000;
  let last = '';
  for (;;) {
    if (run.child.exitCode !== null) throw new Error(`ended before ${what}; stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    const r = await runCkpt(['status', '--dir', dir, '--json']);
    if (r.code === 0) {
      const t = JSON.parse(r.stdout) as ResourceTables;
      if (ready(t)) return;
      last = JSON.stringify(t.processes.map((p) => [p.argv[0], p.fds.map((f) => `${f.fd}:${f.path}`)]));
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last tables: ${last}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The fd `fd` of a process of the computation that is a pipe of the program's
 * own: not the one the first process has there (the computation's standard
 * input or output, a pipe to the test).
 */
function ownPipeAt(t: ResourceTables, fd: number): { path: string; flags: number } | undefined {
  const root = t.processes.find((p) => !t.processes.some((q) => q.vpid === p.vppid));
  const outside = root?.fds.find((f) => f.fd === fd)?.path;
  for (const p of t.processes) {
    const f = p.fds.find((g) => g.fd === fd && g.path.startsWith('pipe:') && g.path !== outside);
    if (f) return f;
  }
  return undefined;
}

const wait = (gate: string) => `while [ ! -e '${gate}' ]; do sleep 0.02; done`;

describe('a pipe whose other end has ended', { skip: skipUnlessBuilt }, () => {
  test('its writer wrote and exited before the snapshot: the restarted reader reads those bytes, then end of file', async () => {
    // The reader holds at the gate; /usr/bin/printf writes two lines and exits meanwhile.
    const script = (gate: string) => `/usr/bin/printf 'one\\ntwo\\n' | { echo waiting; ${wait(gate)}; cat; }`;
    const plain = await runPlain(['sh', '-c', script(ws.openGate('reader-plain'))]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, 'waiting\none\ntwo\n');

    const dir = ws.dir('reader');
    const gate = ws.gate('reader');
    const run = launch(dir, ['sh', '-c', script(gate)]);
    await run.waitForStdout(/^waiting$/m);
    await untilTables(dir, run, 'printf to have exited', (t) => {
      const pipe = ownPipeAt(t, 0);
      return pipe !== undefined && !writtenPipes(t).has(pipe.path);
    });
    const saved = await checkpoint(dir);
    assert.equal(saved.code, 0, saved.stderr);
    assert.doesNotMatch(saved.stderr, /standard input/, 'the pipe is the program\'s own, not input from outside');
    const killed = await runCkpt(['kill', '--dir', dir]);
    assert.equal(killed.code, 0, killed.stderr);
    await finish(run, dir);
    fs.writeFileSync(gate, '');

    const again = await finish(restart(dir, saved.id!), dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'one\ntwo\n');
  });

  test('its reader exited before the snapshot: the restarted writer meets a closed pipe, not the restarting command\'s output', async () => {
    // The writer holds at the gate; its reader prints a line and exits
    // meanwhile. SIGPIPE ignored: a write to a pipe nobody reads fails (EPIPE).
    const script = (gate: string, result: string) =>
      `{ trap '' PIPE; ${wait(gate)}; if echo late; then r=written; else r=failed; fi; echo $r > '${result}'; } | { echo waiting; }`;

    const dir = ws.dir('writer');
    const gate = ws.gate('writer');
    const result = `${ws.root}/writer.result`;
    const run = launch(dir, ['sh', '-c', script(gate, result)]);
    await run.waitForStdout(/^waiting$/m);
    await untilTables(dir, run, 'the reader to have exited', (t) => {
      const pipe = ownPipeAt(t, 1);
      return pipe !== undefined && !t.processes.some((p) => p.fds.some((f) => f.path === pipe.path && (f.flags & 3) === 0));
    });
    const saved = await checkpoint(dir);
    assert.equal(saved.code, 0, saved.stderr);
    const killed = await runCkpt(['kill', '--dir', dir]);
    assert.equal(killed.code, 0, killed.stderr);
    await finish(run, dir);
    fs.writeFileSync(gate, '');

    const again = await finish(restart(dir, saved.id!), dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, '', 'the writer\'s line goes nowhere, as in the uninterrupted run');
    assert.equal(fs.readFileSync(result, 'utf8'), 'failed\n', 'the write failed: nobody reads the pipe');
  });
});

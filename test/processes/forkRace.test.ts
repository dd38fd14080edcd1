import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Coordinator } from '../../adapter/engine/coordinator';
import { skipUnlessBuilt, Workspace } from './fixtures/computation';

const ws = new Workspace();
after(() => ws.cleanup());

const N = 300;
/** Every line comes from a freshly forked and exec'd /bin/echo: the loop spends its time forking, exec'ing and exiting. */
const LOOP = `i=0; while [ $i -lt ${N} ]; do /bin/echo $i; i=$((i+1)); done`;
const TRIALS = 8;

/** Collects a child's stdout. */
function collect(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (d: string) => (text += d));
  return () => text;
}

async function bounded<T>(p: Promise<T>, what: string, ms = 60000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('checkpoints racing fork, exec and exit', { skip: skipUnlessBuilt }, () => {
  test(`${TRIALS} --kill checkpoints at different moments of a fork/exec loop: each restart prints exactly the missing lines`, async () => {
    let saved = 0;
    for (let k = 0; k < TRIALS; k++) {
      const dir = ws.dir(`race${k}`);
      const c = await Coordinator.open(dir);
      try {
        const run = await c.launch('/bin/sh', ['-c', LOOP], { stdio: ['ignore', 'pipe', 'pipe'] });
        const before = collect(run.child.stdout);
        // Spread the orders over the loop: the kth trial waits until k*15 lines are out.
        while (before().split('\n').length <= k * 15 + 1 && run.child.exitCode === null) await new Promise((r) => setTimeout(r, 1));
        let id: string | undefined;
        try {
          id = (await bounded(c.checkpoint({ kill: true }), 'the checkpoint')).id;
        } catch (err) {
          // A failure must say what went wrong, and leave the program running to its end.
          assert.match((err as Error).message, /\S/);
        }
        const first = await bounded(run.exited, 'the first run');
        if (id === undefined) {
          assert.equal(first.status, 0);
          assert.equal(before(), Array.from({ length: N }, (_, i) => `${i}\n`).join(''));
          continue;
        }
        saved++;
        assert.equal(first.hibernated, true);
        const again = await c.startRestart(id, { stdio: ['ignore', 'pipe', 'pipe'] });
        const after_ = collect(again.child.stdout);
        const errors = collect(again.child.stderr);
        const end = await bounded(again.exited, `the restart of trial ${k}`);
        assert.equal(end.status, 0, errors());
        const lines = (before() + after_()).split('\n').filter(Boolean).map(Number);
        assert.deepEqual(lines, Array.from({ length: N }, (_, i) => i), `trial ${k}: every line once, in order (${before().split('\n').length - 1} before the save)`);
      } finally {
        try {
          c.kill();
        } catch {
          // nothing left running
        }
        await c.close();
      }
    }
    assert.ok(saved >= TRIALS / 2, `most checkpoints succeed (${saved} of ${TRIALS})`);
  });
});

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { checkpoint, finish, launch, restart, runPlain, skipUnlessBuilt, Workspace } from './fixtures/computation';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const ws = new Workspace();
after(() => ws.cleanup());

const LINES = 20000;

/**
 * A named pipe between two children of a shell: `seq | sed` writes 200 KB
 * into it, more than it holds; a reader subshell takes it on stdin and copies
 * it to a log file on its stdout, and waits at the gate after 100 lines. At
 * the checkpoint the FIFO is full (its bytes must come back exactly once) and
 * the reader's fds 0 and 1 are a FIFO and a file of its own, not the
 * computation's standard input and output.
 */
function script(work: string, gate: string): string {
  const f = path.join(work, 'fifo');
  const log = path.join(work, 'log');
  return [
    `rm -f ${f} ${log}; mkfifo ${f}`,
    `seq 1 ${LINES} | sed 's/^/line /' > ${f} &`,
    `( n=0; while read l; do n=$((n+1)); echo "$l"; if [ $n -eq 100 ]; then while [ ! -e ${gate} ]; do sleep 0.05; done; fi; done ) < ${f} > ${log}`,
    'wait',
    `wc -l < ${log}; tail -n 1 ${log}; sha256sum < ${log}`,
  ].join('\n');
}

function lineCount(file: string): number {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}

describe('a FIFO between a shell\'s children', { skip: skipUnlessBuilt }, () => {
  test('saved full, restarted: every byte read once, and the reader\'s log stays its own file', async () => {
    const plainWork = fs.mkdtempSync(path.join(ws.root, 'plain-'));
    const plain = await runPlain(['bash', '-c', script(plainWork, ws.openGate('fifo-plain'))]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, new RegExp(`^${LINES}\\nline ${LINES}\\n[0-9a-f]{64}  -\\n$`));

    const work = fs.mkdtempSync(path.join(ws.root, 'ckpt-'));
    const dir = ws.dir('fifo');
    const gate = ws.gate('fifo');
    const run = launch(dir, ['bash', '-c', script(work, gate)]);
    const log = path.join(work, 'log');
    for (let i = 0; lineCount(log) < 100; i++) {
      assert.ok(i < 1200, `the reader did not reach line 100 within 60 s`);
      await sleep(50);
    }
    const saved = await checkpoint(dir, '--kill');
    assert.equal(saved.code, 0, saved.stderr);
    const first = await finish(run, dir);
    assert.equal(first.stdout, '', 'nothing reached the computation\'s stdout before the checkpoint');
    assert.equal(lineCount(log), 100, 'the reader was at the gate');

    fs.writeFileSync(gate, '');
    const second = await finish(restart(dir, saved.id!), dir);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, plain.stdout);
  });
});

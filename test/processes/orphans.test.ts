import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { CKPT_JS } from '../fixtures/cliRunner';
import { checkpoint, computationPids, skipUnlessBuilt, Workspace } from './fixtures/computation';

const ws = new Workspace();
after(() => ws.cleanup());

/** `ckpt ARGS` with stdin at /dev/null (a CI job, nohup): resolves with its exit code and output. */
function ckptNoInput(args: string[]): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; kill: () => void } {
  const child = spawn(process.execPath, [CKPT_JS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { done, kill: () => child.kill('SIGKILL') };
}

/**
 * A shell that leaves an orphan behind (`( cmd & )`: its parent, the
 * subshell, exits at once) and sends its own stderr to /dev/null, launched
 * with stdin at /dev/null. Restarted, the orphan must come back too (as an
 * orphan) and go on writing its log, and what the shell sent to /dev/null
 * must stay there, though /dev/null is also the computation's stdin.
 */
function script(log: string, gate: string): string {
  return [
    `( (i=0; while [ $i -lt 40 ]; do i=$((i+1)); echo "o $i" >> ${log}; sleep 0.05; done) & )`,
    'exec 2>/dev/null',
    `n=0; while [ ! -e ${gate} ]; do n=$((n+1)); echo "hidden $n" >&2; sleep 0.05; done`,
    `while [ "$(wc -l < ${log})" -lt 40 ]; do sleep 0.05; done`,
    `echo "done $(wc -l < ${log})"`,
  ].join('\n');
}

describe('an orphaned process and a program\'s own /dev/null', { skip: skipUnlessBuilt }, () => {
  test('saved while the orphan runs, restarted: it comes back, and /dev/null output stays hidden', async () => {
    const log = path.join(ws.root, 'orphan.log');
    const gate = ws.gate('orphans');
    const dir = ws.dir('orphans');
    const run = ckptNoInput(['launch', '--dir', dir, '--', 'bash', '-c', script(log, gate)]);
    try {
      for (let i = 0; !(fs.existsSync(log) && fs.readFileSync(log, 'utf8').split('\n').length > 5); i++) {
        assert.ok(i < 1200, 'the orphan did not start writing within 60 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      const saved = await checkpoint(dir, '--kill');
      assert.equal(saved.code, 0, saved.stderr);
      const first = await run.done;
      assert.equal(first.stdout, '');
      assert.equal(first.stderr.replace(/^ckpt: .*\n?/gm, ''), '', 'the shell\'s stderr went to /dev/null');
      const lines = fs.readFileSync(log, 'utf8').split('\n').length - 1;
      assert.ok(lines < 40, `the orphan was still running at the checkpoint (${lines} lines)`);

      fs.writeFileSync(gate, '');
      const again = ckptNoInput(['restart', '--dir', dir, saved.id!]);
      const timer = setTimeout(() => {
        for (const pid of computationPids(dir)) process.kill(pid, 'SIGKILL');
        again.kill();
      }, 60_000);
      const second = await again.done;
      clearTimeout(timer);
      assert.equal(second.code, 0, second.stderr);
      assert.equal(second.stdout, 'done 40\n');
      assert.equal(second.stderr, '', 'nothing the shell sent to /dev/null reached the restart\'s stderr');
      assert.deepEqual(
        fs.readFileSync(log, 'utf8').trim().split('\n'),
        Array.from({ length: 40 }, (_, i) => `o ${i + 1}`),
        'the orphan wrote each line once',
      );
    } finally {
      run.kill();
    }
  });
});

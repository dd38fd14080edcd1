/** `ckpt completion bash`: the printed script, run by a real bash on a real computation directory. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { runCkpt } from '../fixtures/cliRunner';
import { tempDir } from '../fixtures/harness';

describe('bash completion', () => {
  let work: string;
  let script: string;

  before(async () => {
    work = tempDir('ckpt-complete-');
    const r = await runCkpt(['completion', 'bash']);
    assert.equal(r.code, 0, r.stderr);
    script = path.join(work, 'ckpt.bash');
    fs.writeFileSync(script, r.stdout);
    // Two complete snapshots, one being written, one damaged (no manifest).
    for (const id of ['1', '12', '.partial-13', '14']) fs.mkdirSync(path.join(work, 'd', 'snapshots', id), { recursive: true });
    for (const id of ['1', '12', '.partial-13']) fs.writeFileSync(path.join(work, 'd', 'snapshots', id, 'manifest.json'), '{}');
  });

  /** What bash offers for the line typed so far (the cursor at its end). */
  function complete(line: string, env: NodeJS.ProcessEnv = {}): string[] {
    const program = `source "$1"; COMP_LINE="$2"; COMP_POINT=\${#COMP_LINE}; _ckpt; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = execFileSync('bash', ['-c', program, 'bash', script, line], { cwd: work, env: { ...process.env, ...env }, encoding: 'utf8' });
    return out.split('\n').filter((w) => w !== '');
  }

  test('commands, then each command\'s own options', () => {
    assert.deepEqual(complete('ckpt re'), ['restart', 'restore']);
    assert.ok(complete('ckpt ').includes('completion'));
    assert.deepEqual(complete('ckpt restore --'), ['--dir', '--hold', '--json', '--help']);
    assert.deepEqual(complete('ckpt checkpoint --l'), ['--label']);
    assert.deepEqual(complete('ckpt completion '), ['bash']);
  });

  test('snapshot ids come from the directory of --dir, --dir=, $CKPT_DIR or ./.ckpt', () => {
    assert.deepEqual(complete('ckpt restore --dir d '), ['1', '12', 'last']);
    assert.deepEqual(complete('ckpt inspect --dir=d 1'), ['1', '12']);
    assert.deepEqual(complete('ckpt restart --env A=1 --path-map=a=b --json ', { CKPT_DIR: 'd' }), ['1', '12', 'last']);
    assert.deepEqual(complete('ckpt delete '), ['last'], 'no ./.ckpt here: only `last`');
    assert.deepEqual(complete('ckpt label --dir d 12 '), [], 'the second word of label is its text');
  });

  test('folders after --dir, nothing after an option that takes text, programs after launch --', () => {
    assert.deepEqual(complete('ckpt list --dir '), ['d']);
    assert.deepEqual(complete('ckpt list --dir=d'), ['d']);
    assert.deepEqual(complete('ckpt checkpoint --label '), []);
    assert.ok(complete('ckpt launch --dir d -- bas').includes('bash'));
  });

  test('a shell other than bash is a usage error naming it', async () => {
    const r = await runCkpt(['completion', 'fish']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^ckpt completion: no completion for shell 'fish' \(only bash\)\n/);
  });
});

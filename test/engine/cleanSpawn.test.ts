import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { cleanSpawn, leakedFds } from '../../adapter/engine/cleanSpawn';
import { resolveProgram } from '../../adapter/engine/programPath';
import { tempDir } from '../fixtures/harness';

/** Runs a shell snippet through cleanSpawn and returns its stdout. */
function run(script: string, env: NodeJS.ProcessEnv, argv0?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = cleanSpawn('/bin/sh', ['-c', script], { env, stdio: ['ignore', 'pipe', 'inherit'], argv0 });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

describe('cleanSpawn', () => {
  test('a program gets no stray inherited fds, and keeps its preload and argv[0]', async () => {
    const dir = tempDir('ckpt-spawn-');
    // An fd without close-on-exec in this process, as a careless parent leaves one.
    const python = 'import os,sys; r,w=os.pipe(); os.set_inheritable(w, True); os.dup2(w, 201); os.execv(sys.argv[1], sys.argv[1:])';
    const probe = path.join(dir, 'probe.js');
    fs.writeFileSync(
      probe,
      `const { cleanSpawn, leakedFds } = require(${JSON.stringify(require.resolve('../../adapter/engine/cleanSpawn'))});
       const leaked = leakedFds(3);
       const child = cleanSpawn('/bin/sh', ['-c', 'ls /proc/$$/fd | sort -n | tr "\\\\n" " "; echo "|$LD_PRELOAD|$CKPT_EXEC_PRELOAD|$0"'],
         { env: { PATH: process.env.PATH }, stdio: ['ignore', 'inherit', 'inherit'], preload: '/x.so', argv0: 'myname' });
       child.on('close', () => console.log('leaked ' + leaked.join(',')));`,
    );
    const out = execFileSync('python3', ['-c', python, process.execPath, probe], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    const [fds, rest] = out.split('|');
    assert.match(out, /leaked (\d+,)*201/);
    // sh's own fds: 0-2 and the one it uses to list /proc; never 201.
    assert.ok(!fds.split(' ').includes('201'), `fds in the child: ${fds}`);
    assert.equal(rest, '/x.so');
    assert.match(out, /\|\|myname\n/, 'the helper variable is gone and argv[0] is kept');
  });

  test('without stray fds it spawns directly', async () => {
    assert.deepEqual(leakedFds(65536), []);
    assert.equal(await run('echo "$LD_PRELOAD"', { PATH: process.env.PATH, LD_PRELOAD: '' }), '\n');
  });
});

describe('resolveProgram', () => {
  test('finds programs like execvp and names what is wrong', () => {
    const dir = tempDir('ckpt-prog-');
    fs.writeFileSync(path.join(dir, 'plain.txt'), '');
    assert.equal(resolveProgram('sh', '/nonexistent:/bin'), '/bin/sh');
    fs.writeFileSync(path.join(dir, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(resolveProgram('./tool', undefined, dir), path.join(dir, 'tool'));
    assert.equal(resolveProgram('tool', `/nonexistent:${dir}`), path.join(dir, 'tool'));
    assert.throws(() => resolveProgram('./plain.txt', undefined, dir), /cannot run \.\/plain\.txt: not an executable file/);
    assert.throws(() => resolveProgram('./gone', undefined, dir), /cannot run \.\/gone: no such file/);
    assert.throws(() => resolveProgram('no-such-command-xyz', '/bin'), /cannot run no-such-command-xyz: not found on PATH/);
  });
});

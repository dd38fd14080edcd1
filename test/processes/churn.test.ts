import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { compileC } from '../fixtures/cliRunner';
import { checkpoint, CkptProcess, finish, FINISH_TIMEOUT_MS, launch, restart, runCkpt, runPlain, skipUnlessBuilt, Workspace } from './fixtures/computation';

const ws = new Workspace();
after(() => ws.cleanup());

/**
 * A fork storm: up to 8 children at once, each forking two grandchildren that
 * exit at once or after a millisecond, and exiting with a status the parent
 * sums. 4000 children in all; the last 200 wait for the gate.
 */
const STORM_C = String.raw`
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	const long rounds = 4000;
	long started = 0, reaped = 0, total = 0;
	int live = 0;
	setvbuf(stdout, 0, _IOLBF, 0);
	while (reaped < rounds) {
		while (live < 8 && started < rounds) {
			if (started == rounds - 200)
				while (access(argv[1], F_OK) != 0)
					usleep(20000);
			if (fork() == 0) {
				for (int k = 0; k < 2; k++)
					if (fork() == 0) {
						if (started % 3 == 0)
							usleep(1000);
						_exit(0);
					}
				while (wait(0) > 0)
					;
				if (started % 5 == 0)
					usleep(2000);
				_exit(started % 7);
			}
			started++;
			live++;
		}
		int st;
		if (wait(&st) > 0) {
			live--;
			reaped++;
			total += WEXITSTATUS(st);
			if (reaped % 500 == 0)
				printf("reaped %ld\n", reaped);
		}
	}
	printf("done %ld\n", total);
	return 0;
}
`;

/** A shell loop whose every turn forks md5sum and a command substitution's subshell. */
const SHELL_LOOP = String.raw`
f=$1; gate=$2; i=0
while [ $i -lt 3000 ]; do
  [ $i -eq 2800 ] && until [ -e "$gate" ]; do sleep 0.02; done
  s=$(md5sum "$f"); i=$((i+1))
  [ $((i % 500)) -eq 0 ] && echo "ran $i $(printf %.32s "$s")"
done
echo done
`;

/**
 * Ten `ckpt status` and ten `ckpt checkpoint` while the program churns, each of
 * which must succeed on its first request; then a --kill checkpoint, whose
 * restart must run to the same end as an uninterrupted run.
 *
 * Forking programs slow down most on a busy machine (the shell loop's
 * uninterrupted run: 9 s idle, 152 s beside the hogs of `npm run test:stress`),
 * so the waits for the program grow with the time the uninterrupted run took:
 * measured, the launched loop reached `ran 500` in 0.2-0.4 times it, and the
 * restarted one its end in 0.1-1.4 times it (the load changes meanwhile).
 */
async function churnedAndRestarted(
  name: string,
  argv: string[],
  gate: string,
  ready: RegExp,
  plain: { stdout: string; ms: number },
): Promise<void> {
  const dir = ws.dir(name);
  const run: CkptProcess = launch(dir, argv);
  await run.waitForStdout(ready, Math.max(60000, plain.ms));
  for (let k = 1; k <= 10; k++) {
    const status = await runCkpt(['status', '--dir', dir, '--json']);
    assert.equal(status.code, 0, `status ${k}: ${status.stderr}`);
    assert.ok((JSON.parse(status.stdout) as { processes: unknown[] }).processes.length >= 1);
    const saved = await checkpoint(dir);
    assert.equal(saved.code, 0, `checkpoint ${k}: ${saved.stderr}`);
  }
  const last = await checkpoint(dir, '--kill');
  assert.equal(last.code, 0, last.stderr);
  const first = await finish(run, dir);
  assert.equal(first.code, 0, first.stderr);
  assert.doesNotMatch(first.stdout, /done/);
  fs.writeFileSync(gate, '');
  const again = await finish(restart(dir, last.id!), dir, Math.max(FINISH_TIMEOUT_MS, 3 * plain.ms));
  assert.equal(again.code, 0, again.stderr);
  assert.equal(first.stdout + again.stdout, plain.stdout);
}

/** The uninterrupted run, and how long it took. */
async function timedPlain(argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  const r = await runPlain(argv);
  return { ...r, ms: Date.now() - t0 };
}

describe('checkpoints while processes are born and die', { skip: skipUnlessBuilt }, () => {
  test('a fork storm: status and checkpoint succeed on the first request; the last snapshot restarts to the same end', { timeout: 1200000 }, async () => {
    const exe = compileC(ws.root, 'storm', STORM_C);
    const plain = await timedPlain([exe, ws.openGate('storm-plain')]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /\ndone 11994\n$/);
    const gate = ws.gate('storm');
    await churnedAndRestarted('stormrun', [exe, gate], gate, /^reaped 500$/m, plain);
  });

  test('a shell loop forking md5sum: status and checkpoint succeed on the first request', { timeout: 1200000 }, async () => {
    const script = path.join(ws.root, 'loop.sh');
    fs.writeFileSync(script, SHELL_LOOP);
    const plain = await timedPlain(['bash', script, script, ws.openGate('loop-plain')]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^ran 500 [0-9a-f]{32}\n[^]*\ndone\n$/);
    const gate = ws.gate('loop');
    await churnedAndRestarted('loop', ['bash', script, script, gate], gate, /^ran 500 /m, plain);
  });
});

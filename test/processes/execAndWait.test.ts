import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { compileC } from '../fixtures/cliRunner';
import { checkpoint, finish, launch, skipUnlessBuilt, Workspace } from './fixtures/computation';

const ws = new Workspace();
after(() => ws.cleanup());

/**
 * Forks four children a round, each exec'ing /bin/true or /bin/false, and
 * waits for them by wait(), waitpid(-1) and waitpid(pid) in turn, with a
 * SIGCHLD handler that does not restart calls (as make has). Every status must
 * be the one the program exec'd; it stops after the round in which the gate
 * file appears.
 */
const SOURCE = `
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
static volatile int dead;
static void on_child(int s) { (void)s; dead++; }
int main(int argc, char **argv)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_child;
	sigaction(SIGCHLD, &sa, 0);
	printf("started\\n");
	fflush(stdout);
	int rounds = 0;
	for (; access(argv[1], F_OK) != 0; rounds++) {
		pid_t kids[4];
		for (int k = 0; k < 4; k++) {
			kids[k] = fork();
			if (kids[k] < 0) { perror("fork"); return 2; }
			if (kids[k] == 0) {
				execl(k & 1 ? "/bin/false" : "/bin/true", "x", (char *)0);
				_exit(99);
			}
		}
		for (int left = 4; left;) {
			int st, how = (rounds + left) % 3, k = 0;
			pid_t p;
			if (how == 0)
				p = wait(&st);
			else if (how == 1)
				p = waitpid(-1, &st, 0);
			else {
				while (kids[k] < 0) k++;
				p = waitpid(kids[k], &st, 0);
			}
			if (p < 0 && errno == EINTR)
				continue;
			if (p < 0) { fprintf(stderr, "round %d: wait: %s\\n", rounds, strerror(errno)); return 1; }
			for (k = 0; k < 4 && kids[k] != p; k++)
				;
			if (k == 4) { fprintf(stderr, "round %d: a pid not forked: %d\\n", rounds, p); return 1; }
			if (!WIFEXITED(st) || WEXITSTATUS(st) != (k & 1)) { fprintf(stderr, "round %d: child %d status %#x\\n", rounds, k, st); return 1; }
			kids[k] = -1;
			left--;
		}
	}
	printf("done after %s\\n", rounds > 0 ? "some rounds" : "no round");
	return 0;
}
`;

describe('children that exec while checkpoints are taken', { skip: skipUnlessBuilt }, () => {
  test('twenty checkpoints without --kill of a fork/exec/wait loop: no child dies of the engine signal, every wait gets its child', async () => {
    const src = path.join(ws.root, 'src');
    fs.mkdirSync(src);
    const exe = compileC(src, 'execwait', SOURCE);
    const gate = ws.gate('execwait');
    const dir = ws.dir('execwait');
    const run = launch(dir, [exe, gate]);
    await run.waitForStdout(/started\n/);
    // Each forked child is on the coordinator's list from its fork until its
    // exec closes its connection: the orders keep landing in that window.
    for (let i = 0; i < 20; i++) {
      const saved = await checkpoint(dir);
      assert.equal(saved.code, 0, `checkpoint ${i + 1}: ${saved.stderr}; the program said: ${run.stderr}`);
    }
    fs.writeFileSync(gate, '');
    const done = await finish(run, dir);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout, 'started\ndone after some rounds\n');
  });
});

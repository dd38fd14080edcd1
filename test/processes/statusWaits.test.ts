import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, describe, test } from 'node:test';
import { compileC } from '../fixtures/cliRunner';
import { finish, launch, runCkpt, skipUnlessBuilt, Workspace } from './fixtures/computation';

const ws = new Workspace();
after(() => ws.cleanup());

/**
 * Waits in poll, select, epoll_wait and nanosleep in turn (none of which
 * SA_RESTART restarts) until the gate opens; then prints how many of them
 * returned EINTR.
 */
const WAITS_C = String.raw`
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	int ep = epoll_create1(0);
	long eintr = 0, waits = 0;
	printf("ready\n");
	while (access(argv[1], F_OK) != 0) {
		struct timeval tv = { 0, 20000 };
		struct epoll_event ev;
		struct timespec ts = { 0, 20000000 };
		eintr += poll(0, 0, 20) < 0 && errno == EINTR;
		eintr += select(0, 0, 0, 0, &tv) < 0 && errno == EINTR;
		eintr += epoll_wait(ep, &ev, 1, 20) < 0 && errno == EINTR;
		eintr += nanosleep(&ts, 0) < 0 && errno == EINTR;
		waits += 4;
	}
	printf("eintr %ld of %ld\n", eintr, waits);
	return 0;
}
`;

/*
 * A status order stops no thread, but its signal cuts short the wait of the
 * thread that takes it: the engine makes that wait again, as it does for a
 * checkpoint, so that the program never sees the EINTR (tail -f gave up on it).
 */
describe('status orders and a program that waits', { skip: skipUnlessBuilt }, () => {
  test('no wait of the program returns EINTR because of a status order', { timeout: 300000 }, async () => {
    const exe = compileC(ws.root, 'waits', WAITS_C);
    const gate = ws.gate('waits');
    const dir = ws.dir('waitrun');
    const run = launch(dir, [exe, gate]);
    await run.waitForStdout(/^ready\n/);
    for (let k = 1; k <= 20; k++) {
      const status = await runCkpt(['status', '--dir', dir, '--json']);
      assert.equal(status.code, 0, `status ${k}: ${status.stderr}`);
    }
    fs.writeFileSync(gate, '');
    const r = await finish(run, dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ready\neintr 0 of \d+\n$/);
  });
});

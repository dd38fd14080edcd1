import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { compileC } from '../fixtures/cliRunner';
import { checkpoint, computationPids, finish, launch, restart, skipUnlessBuilt, Workspace } from './fixtures/computation';
import { waitForProcesses } from './fixtures/waiting';

const ws = new Workspace();
after(() => ws.cleanup());

/**
 * NPROCS processes (the first forks the others), each with NFILES files of its
 * own open and the first MAPPED of them mapped too: the restorer opens every
 * process's files and mapped files before the processes part ways, so each
 * restored process first holds all of them. Each lists its descriptors as
 * ranges before the gate and again after it.
 */
const MANY_FDS_C = String.raw`
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void list(int idx, const char *when)
{
	static char seen[4096];
	memset(seen, 0, sizeof seen);
	DIR *d = opendir("/proc/self/fd");
	int count = 0;
	for (struct dirent *e; (e = readdir(d));) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == dirfd(d))
			continue;
		seen[fd < 4096 ? fd : 4095] = 1;
		count++;
	}
	closedir(d);
	printf("process %d %s: %d fds:", idx, when, count);
	for (int fd = 0; fd < 4096; fd++) {
		if (!seen[fd])
			continue;
		int to = fd;
		while (to + 1 < 4096 && seen[to + 1])
			to++;
		printf(to > fd ? " %d-%d" : " %d", fd, to);
		fd = to;
	}
	printf("\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int nprocs = atoi(argv[1]), nfiles = atoi(argv[2]), mapped = atoi(argv[3]);
	const char *dir = argv[4], *gate = argv[5];
	int idx = 0;
	for (int k = 1; k < nprocs && !idx; k++)
		if (fork() == 0)
			idx = k;
	char path[4096];
	for (int i = 0; i < nfiles; i++) {
		snprintf(path, sizeof path, "%s/f%d-%d", dir, idx, i);
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || write(fd, path, strlen(path)) < 0) {
			perror(path);
			return 1;
		}
		if (i < mapped && mmap(0, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
	}
	list(idx, "before");
	while (access(gate, F_OK))
		usleep(20000);
	usleep(50000 * idx); /* one line at a time */
	list(idx, "after");
	if (!idx) {
		while (wait(0) > 0)
			;
		printf("done\n");
	}
	return 0;
}
`;

/** fd counts of the computation's processes as the kernel shows them, sorted. */
function fdCounts(dir: string): number[] {
  return computationPids(dir)
    .map((pid) => fs.readdirSync(`/proc/${pid}/fd`).length)
    .sort((a, b) => a - b);
}

describe('descriptors of restored processes', { skip: skipUnlessBuilt }, () => {
  test('four processes with 150 files each (50 of them mapped) come back with exactly the descriptors they had, twice', { timeout: 300000 }, async () => {
    const exe = compileC(ws.root, 'many_fds', MANY_FDS_C);
    const files = path.join(ws.root, 'files');
    fs.mkdirSync(files);
    const dir = ws.dir('many');
    const gate = ws.gate('many');
    const run = launch(dir, [exe, '4', '150', '50', files, gate]);
    await run.waitForStdout(/^(process \d before: .*\n){4}/m);
    await waitForProcesses(dir, 4, run);
    const counts = fdCounts(dir);
    assert.equal(counts.length, 4);
    assert.ok(counts.every((c) => c >= 150), `each process holds its 150 files: ${counts}`);
    const saved = await checkpoint(dir, '--kill');
    assert.equal(saved.code, 0, saved.stderr);
    const first = await finish(run, dir);
    const before = new Map([...first.stdout.matchAll(/^process (\d) before: (.*)$/gm)].map((m) => [m[1], m[2]]));
    assert.equal(before.size, 4, first.stdout);

    for (const round of [1, 2]) {
      const again = restart(dir, saved.id!);
      await waitForProcesses(dir, 4, again);
      assert.deepEqual(fdCounts(dir), counts, `round ${round}: the kernel's count of each restored process's descriptors`);
      fs.writeFileSync(gate, '');
      const r = await finish(again, dir);
      fs.rmSync(gate);
      assert.equal(r.code, 0, r.stderr);
      const after_ = new Map([...r.stdout.matchAll(/^process (\d) after: (.*)$/gm)].map((m) => [m[1], m[2]]));
      assert.deepEqual(after_, before, `round ${round}: each process lists the descriptors it had`);
      assert.match(r.stdout, /^done$/m);
    }
  });
});

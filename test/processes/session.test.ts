import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { compileC } from '../fixtures/cliRunner';
import { checkpoint, finish, launch, restart, runPlain, skipUnlessBuilt, Workspace } from './fixtures/computation';

const ws = new Workspace();
after(() => ws.cleanup());

/**
 * A job's scratch files, shared the way Open MPI shares its session directory:
 * a parent and its child map a segment in /dev/shm and one in a directory of
 * the temporary directory, the parent holds a file and a FIFO of that
 * directory open, and the parent deletes all of it when the job ends.
 * Before the gate each writes its mark into the segments; after it, both
 * check every mark and the file's bytes.
 *
 *   session SHM TREE GATE
 */
const SESSION_C = String.raw`
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *map(const char *path, size_t size)
{
	int fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, size) < 0) { perror(path); exit(1); }
	char *p = mmap(0, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) { perror("mmap"); exit(1); }
	close(fd);
	return p;
}

int main(int argc, char **argv)
{
	const char *shm = argv[1], *tree = argv[2], *gate = argv[3];
	char dir[4096], seg[4096], info[4096], fifo[4096];
	snprintf(dir, sizeof dir, "%s/job", tree);
	snprintf(seg, sizeof seg, "%s/seg", dir);
	snprintf(info, sizeof info, "%s/info", dir);
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	if (mkdir(tree, 0700) || mkdir(dir, 0700) || mkfifo(fifo, 0600)) { perror(tree); return 1; }
	char *a = map(shm, 1 << 20), *b = map(seg, 3 << 20);
	int in = open(info, O_RDWR | O_CREAT, 0600), ff = open(fifo, O_RDWR);
	if (in < 0 || ff < 0 || write(in, "the job's contact", 17) != 17) { perror(info); return 1; }
	pid_t child = fork();
	int me = child == 0;
	strcpy(a + (me << 19), me ? "child's mark in shm" : "parent's mark in shm");
	strcpy(b + (2 << 20) + me * 4096, me ? "child's mark in the tree" : "parent's mark in the tree");
	while (!a[0] || !a[1 << 19] || !b[2 << 20] || !b[(2 << 20) + 4096])
		usleep(1000); /* the other's marks */
	if (!me)
		printf("ready\n");
	fflush(stdout);
	while (access(gate, F_OK))
		usleep(20000);
	int bad = strcmp(a, "parent's mark in shm") || strcmp(a + (1 << 19), "child's mark in shm") ||
		  strcmp(b + (2 << 20), "parent's mark in the tree") || strcmp(b + (2 << 20) + 4096, "child's mark in the tree");
	/* zeros where nobody wrote */
	bad |= a[4096] || a[(1 << 19) + 4096] || a[(1 << 20) - 1] || b[0] || b[(3 << 20) - 1];
	if (me)
		return bad;
	int st;
	char got[32] = "";
	bad |= waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st);
	bad |= pread(in, got, sizeof got, 0) != 17 || strcmp(got, "the job's contact");
	unlink(shm);
	unlink(seg);
	unlink(info);
	unlink(fifo);
	rmdir(dir);
	rmdir(tree);
	printf(bad ? "FAIL\n" : "PASS\n");
	return bad;
}
`;

describe('files a job shares in the temporary directory and /dev/shm', { skip: skipUnlessBuilt }, () => {
  test('their bytes are put back, made again after the first restarted job deleted them, and untouched by a refused restart', { timeout: 300000 }, async () => {
    const exe = compileC(ws.root, 'session', SESSION_C);
    const tag = `ckpt-session-${process.pid}`;
    const shm = `/dev/shm/${tag}`;
    const tree = path.join(os.tmpdir(), tag);
    const gate = ws.gate('session');
    try {
      const plain = await runPlain([exe, shm, tree, ws.openGate('session-plain')]);
      assert.equal(plain.stdout, 'ready\nPASS\n', plain.stderr);
      assert.ok(!fs.existsSync(shm) && !fs.existsSync(tree), 'the plain run leaves nothing');

      const dir = ws.dir('job');
      const run = launch(dir, [exe, shm, tree, gate]);
      await run.waitForStdout(/^ready$/m);
      const saved = await checkpoint(dir, '--kill');
      assert.equal(saved.code, 0, saved.stderr);
      await finish(run, dir);
      // A restart refused (the program's file is gone) changes nothing: what the
      // killed job left keeps its bytes, and what was gone is not made again.
      const changed = Buffer.alloc(1 << 20, 0x55);
      fs.writeFileSync(shm, changed);
      fs.renameSync(exe, `${exe}.away`);
      const kept = await finish(restart(dir, saved.id!), dir);
      assert.equal(kept.code, 1, 'refused');
      assert.match(kept.stderr, /\(session\): a file the program had mapped cannot be opened: .*session: no such file/);
      assert.ok(fs.readFileSync(shm).equals(changed), 'a file still there keeps its bytes');
      fs.rmSync(shm);
      fs.rmSync(tree, { recursive: true });
      const none = await finish(restart(dir, saved.id!), dir);
      assert.equal(none.code, 1, 'refused');
      assert.ok(!fs.existsSync(shm) && !fs.existsSync(tree), 'nothing made again');
      fs.renameSync(`${exe}.away`, exe);

      // what the killed job left, changed meanwhile: the snapshot's bytes must win
      fs.mkdirSync(path.join(tree, 'job'), { recursive: true });
      fs.writeFileSync(shm, changed);
      fs.writeFileSync(gate, '');
      for (const round of [1, 2]) {
        if (round === 2) assert.ok(!fs.existsSync(shm) && !fs.existsSync(tree), 'the first restarted job deleted its files');
        const r = await finish(restart(dir, saved.id!), dir);
        assert.equal(r.code, 0, `round ${round}: ${r.stderr}`);
        assert.equal(r.stdout, 'PASS\n', `round ${round}`);
        assert.ok(!fs.existsSync(shm) && !fs.existsSync(tree), `round ${round}: the job's files are gone again`);
      }
    } finally {
      fs.rmSync(shm, { force: true });
      fs.rmSync(tree, { recursive: true, force: true });
    }
  });
});

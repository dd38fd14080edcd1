/* fork(): the child is untracked until its own first arm, and nothing the
 * child does (its writes, its arm, its scans) changes what the parent's
 * next scan reports. */
#include "dirty_test.h"
#include <dirent.h>
#include <sys/wait.h>

static int userfaultfds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d))) {
		char link[300], target[64];
		snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
		ssize_t l = readlink(link, target, sizeof target - 1);
		target[l > 0 ? l : 0] = 0;
		n += !strcmp(target, "anon_inode:[userfaultfd]");
	}
	closedir(d);
	return n;
}

static void child(unsigned char *m, size_t len)
{
	struct pages p = scan(m, len);
	CHECK(count(&p, CKPT_DIRTY_UNTRACKED) == len / PG, "the child is tracked before its arm");
	m[10 * PG] = 4;
	arm();
	CHECK(userfaultfds() == 1, "the child holds %d userfaultfds after its arm", userfaultfds());
	p = scan(m, len);
	CHECK(p.runs == 0, "the child after its arm: %ld runs", p.runs);
	m[5 * PG] = 4;
	m[3 * PG] = 4;
	p = scan(m, len);
	CHECK(p.runs == 2 && p.kind[5] == CKPT_DIRTY_WRITTEN && p.kind[3] == CKPT_DIRTY_WRITTEN, "the child's writes");
	ok("child untracked until its arm");
}

int main(void)
{
	size_t len = 64 * PG;
	unsigned char *m = map_anon(len);
	memset(m, 1, len);
	arm();
	/* a scan before the fork leaves /proc/self/pagemap open (until the next
	 * arm): the child's copy names the parent's memory and must not be used */
	struct pages before = scan(m, len);
	CHECK(before.runs == 0, "%ld runs before the fork", before.runs);
	m[3 * PG] = 2; /* written before the fork: the parent's next scan must still say so */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		child(m, len);
		exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child failed");
	m[7 * PG] = 2; /* after the fork: copy-on-write and tracking together */
	struct pages p = scan(m, len);
	for (int i = 0; i < 64; i++)
		CHECK(p.kind[i] == (i == 3 || i == 7 ? CKPT_DIRTY_WRITTEN : 0), "parent page %d: kind %d", i, p.kind[i]);
	CHECK(m[3 * PG] == 2 && m[10 * PG] == 1, "the parent's memory");
	ok("parent unaffected by its child");
	return 0;
}

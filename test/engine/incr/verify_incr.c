/*
 * A program that knows what every page of its memory must hold: allocates N
 * MiB (every page written), prints `ready PID ADDR` (ADDR: the buffer's);
 * each SIGUSR1 starts generation g: it rewrites the pages k with
 * k % 100 == g, and at generation 2 drops the pages k % 100 == 50
 * (MADV_DONTNEED: zeros from then on); it prints
 * `rewritten g`. Once GOFILE exists it checks every page against the
 * generation it is at and prints `PASS gen g` or `FAIL ...`. Run as
 * `verify_incr MIB GOFILE [fork|uffd|forklate]`; with `fork`, a child does all
 * of it too; with `uffd`, it makes a userfaultfd of its own first (and closes
 * it), which turns the engine's dirty-page tracking off for its whole life;
 * with `forklate`, a child forked once GOFILE exists checks every page as
 * well and prints `child PASS gen g` (a fork must copy all of the memory
 * whatever the snapshots before it did).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t asked;
static int gen;

static void on_usr1(int sig)
{
	(void)sig;
	asked++;
}

static unsigned char fill_of(size_t k, int g)
{
	return (unsigned char)(((k * 7 + (size_t)g * 37) & 0xff) | 1);
}

/* what page k holds at generation g: 0 for a dropped page */
static unsigned char expected(size_t k, int g)
{
	int m = (int)(k % 100);
	if (g >= 2 && m == 50 && g < 50)
		return 0;
	return fill_of(k, m >= 1 && m <= g ? m : 0);
}

static int verify(const unsigned char *p, size_t pages, const char *who)
{
	for (size_t k = 0; k < pages; k++) {
		unsigned char want = expected(k, gen);
		for (size_t i = 0; i < 4096; i++)
			if (p[k * 4096 + i] != want) {
				printf("%sFAIL page %zu byte %zu holds %u, not %u (gen %d)\n", who, k, i, p[k * 4096 + i], want, gen);
				return 1;
			}
	}
	printf("%sPASS gen %d\n", who, gen);
	return 0;
}

/* A child forked now checks the memory too; its result is printed first. */
static int verify_in_child(const unsigned char *p, size_t pages)
{
	fflush(stdout);
	pid_t c = fork();
	if (c < 0)
		return 1;
	if (c == 0) {
		int rc = verify(p, pages, "child ");
		fflush(stdout);
		_exit(rc);
	}
	int status = 0;
	return waitpid(c, &status, 0) != c || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s MIB GOFILE\n", argv[0]);
		return 2;
	}
	if (argc > 3 && !strcmp(argv[3], "uffd")) {
		long fd = syscall(SYS_userfaultfd, O_CLOEXEC | 1 /* UFFD_USER_MODE_ONLY */);
		if (fd < 0) {
			printf("FAIL no userfaultfd\n");
			return 1;
		}
		close((int)fd);
	}
	pid_t child = argc > 3 && !strcmp(argv[3], "fork") ? fork() : 0;
	if (child < 0)
		return 1;
	size_t pages = (strtoul(argv[1], NULL, 10) << 20) / 4096;
	unsigned char *p = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	for (size_t k = 0; k < pages; k++)
		memset(p + k * 4096, fill_of(k, 0), 4096);
	signal(SIGUSR1, on_usr1);
	printf("ready %d %p\n", getpid(), (void *)p);
	fflush(stdout);
	struct timespec ts = { 0, 200000 };
	while (access(argv[2], F_OK) != 0) {
		if (gen == asked) {
			nanosleep(&ts, NULL);
			continue;
		}
		gen++;
		for (size_t k = (size_t)gen % 100; k < pages; k += 100)
			memset(p + k * 4096, fill_of(k, gen), 4096);
		if (gen == 2)
			for (size_t k = 50; k < pages; k += 100)
				madvise(p + k * 4096, 4096, MADV_DONTNEED);
		printf("rewritten %d\n", gen);
		fflush(stdout);
	}
	int rc = argc > 3 && !strcmp(argv[3], "forklate") ? verify_in_child(p, pages) : 0;
	rc |= verify(p, pages, "");
	fflush(stdout);
	int status = 0;
	if (child > 0 && (waitpid(child, &status, 0) != child || status != 0)) /* its result comes first */
		rc = 1;
	return rc;
}

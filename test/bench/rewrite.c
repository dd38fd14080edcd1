/*
 * Benchmark program for a series of snapshots: allocates and touches N MiB
 * (every page non-zero), prints `ready PID`; each SIGUSR1 makes it rewrite 1%
 * of its pages (a different 1% each time) and print `rewritten R`; once GOFILE
 * exists it prints `alive` and exits. Run as `rewrite N GOFILE`.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t asked;

static void on_usr1(int sig)
{
	(void)sig;
	asked++;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s MIB GOFILE\n", argv[0]);
		return 2;
	}
	size_t pages = (strtoul(argv[1], NULL, 10) << 20) / 4096;
	unsigned char *p = malloc(pages * 4096);
	if (!p) {
		fprintf(stderr, "cannot allocate %zu pages\n", pages);
		return 1;
	}
	for (size_t k = 0; k < pages; k++)
		memset(p + k * 4096, (int)(k & 0xff) | 1, 4096);
	signal(SIGUSR1, on_usr1);
	printf("ready %d\n", getpid());
	fflush(stdout);
	struct timespec ts = { 0, 200000 };
	for (int done = 0; access(argv[2], F_OK) != 0;) {
		if (done == asked) {
			nanosleep(&ts, NULL);
			continue;
		}
		done++;
		/* every hundredth page, shifted by one each round */
		for (size_t k = (size_t)done % 100; k < pages; k += 100)
			memset(p + k * 4096, (done * 37 + (int)k) | 1, 4096);
		printf("rewritten %d\n", done);
		fflush(stdout);
	}
	printf("alive %u\n", p[pages * 2048]);
	fflush(stdout);
	return 0;
}

/*
 * Benchmark program: allocates and touches N MiB (every page written with
 * non-zero data, so nothing can be skipped as a zero page), prints
 * `ready PID`, then idles until GOFILE exists, prints `alive` and exits.
 * Run as `touch N GOFILE`.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s MIB GOFILE\n", argv[0]);
		return 2;
	}
	size_t bytes = strtoul(argv[1], NULL, 10) << 20;
	unsigned char *p = malloc(bytes);
	if (!p) {
		fprintf(stderr, "cannot allocate %zu bytes\n", bytes);
		return 1;
	}
	for (size_t off = 0; off < bytes; off += 4096)
		memset(p + off, (int)((off >> 12) & 0xff) | 1, bytes - off < 4096 ? bytes - off : 4096);
	printf("ready %d\n", getpid());
	fflush(stdout);
	struct timespec ts = { 0, 200000 };
	while (access(argv[2], F_OK) != 0)
		nanosleep(&ts, NULL);
	printf("alive %u\n", p[bytes / 2]);
	fflush(stdout);
	return 0;
}

/*
 * Benchmark program for compression: fills N MiB with one kind of contents,
 * prints `ready PID`, and once GOFILE exists checks that its memory still
 * holds what it wrote, prints `alive ok` (or `alive bad`) and exits. Run as
 * `contents N KIND GOFILE`, KIND one of:
 *   pattern  every page one byte repeated (zeroed-then-set buffers, tables)
 *   text     lines of words and numbers, like a program's strings and logs
 *   random   bytes from a generator (encrypted or compressed data)
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill(unsigned char *p, size_t n, const char *kind)
{
	static const char *words[] = { "request", "handled", "user", "latency", "error", "ok", "cache", "miss",
				       "session", "value", "index", "node" };
	uint64_t s = 0x9E3779B97F4A7C15ull;
	if (!strcmp(kind, "pattern")) {
		for (size_t k = 0; k < n / 4096; k++)
			memset(p + k * 4096, (int)(k & 0xff) | 1, 4096);
	} else if (!strcmp(kind, "random")) {
		for (size_t i = 0; i + 8 <= n; i += 8) {
			uint64_t v = next(&s);
			memcpy(p + i, &v, 8);
		}
	} else {
		size_t at = 0;
		while (at < n) {
			char line[128];
			uint64_t v = next(&s);
			int len = snprintf(line, sizeof line, "%s %s id=%lu t=%lu.%03lu\n", words[v % 12], words[(v >> 8) % 12],
					   (unsigned long)((v >> 16) % 100000), (unsigned long)((v >> 40) % 1000),
					   (unsigned long)((v >> 50) % 1000));
			size_t k = (size_t)len < n - at ? (size_t)len : n - at;
			memcpy(p + at, line, k);
			at += k;
		}
	}
}

static uint64_t sum(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v;
		memcpy(&v, p + i, 8);
		h = (h ^ v) * 1099511628211ull;
	}
	return h;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s MIB pattern|text|random GOFILE\n", argv[0]);
		return 2;
	}
	size_t n = strtoul(argv[1], NULL, 10) << 20;
	unsigned char *p = malloc(n);
	if (!p)
		return 1;
	fill(p, n, argv[2]);
	uint64_t want = sum(p, n);
	printf("ready %d\n", getpid());
	fflush(stdout);
	struct timespec ts = { 0, 1000000 };
	while (access(argv[3], F_OK) != 0)
		nanosleep(&ts, NULL);
	printf("alive %s\n", sum(p, n) == want ? "ok" : "bad");
	return 0;
}

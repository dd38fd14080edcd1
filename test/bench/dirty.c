/*
 * Benchmark of dirty-page tracking (native/lib/plugins/memory/dirty.c, compiled
 * in). Each repetition, in a fresh child: N MiB touched (every page non-zero),
 * the first arm (the whole process), 1% of the pages written at random (the
 * program's cost: a write fault per page), the scan of the region (which
 * protects the written pages again), a scan with nothing written, an arm
 * with nothing new (what each later snapshot pays), and the arm of a new
 * N MiB region never touched (protection markers for every page). Prints one
 * JSON line of medians.
 * Run as `dirty N REPS`.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../../native/lib/plugins/memory/dirty.h"

#define PG 4096ul
#define MAX_REPS 32

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint64_t reported;

static int count_pages(void *ctx, uint64_t s, uint64_t e, unsigned kind)
{
	(void)ctx;
	if (kind == CKPT_DIRTY_WRITTEN)
		reported += (e - s) / PG;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return v[n / 2];
}

enum { ARM, WRITE, SCAN, EMPTY, REARM, UNTOUCHED, NFIG };
static const char *const names[NFIG] = { "armMs", "write1PctMs", "scanMs", "emptyScanMs", "rearmMs", "armUntouchedMs" };

/* One repetition, in a fresh child: its arm is a process's first. Fills fig
 * and returns whether the scans reported exactly the pages written. */
static int repetition(size_t len, unsigned seed, double *fig)
{
	size_t npages = len / PG, k = npages / 100;
	unsigned char *m = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (size_t off = 0; off < len; off += PG)
		m[off] = (unsigned char)(off >> 12) | 1;
	unsigned char *seen = calloc(npages, 1);
	srand(seed);
	double t0 = now_ms();
	if (ckpt_dirty_arm() < 0)
		return -1;
	double t1 = now_ms();
	size_t distinct = 0;
	for (size_t i = 0; i < k; i++) {
		size_t pg = (size_t)rand() % npages;
		m[pg * PG + 8] ^= 0x5a;
		distinct += !seen[pg];
		seen[pg] = 1;
	}
	double t2 = now_ms();
	ckpt_dirty_scan((uint64_t)m, (uint64_t)m + len, count_pages, 0);
	double t3 = now_ms();
	int exact = reported == distinct;
	reported = 0;
	ckpt_dirty_scan((uint64_t)m, (uint64_t)m + len, count_pages, 0);
	double t4 = now_ms();
	exact &= reported == 0;
	ckpt_dirty_arm(); /* nothing new: what each later snapshot pays */
	double t5 = now_ms();
	mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t6 = now_ms();
	ckpt_dirty_arm(); /* only the new, untouched region */
	double t7 = now_ms();
	fig[ARM] = t1 - t0, fig[WRITE] = t2 - t1, fig[SCAN] = t3 - t2, fig[EMPTY] = t4 - t3;
	fig[REARM] = t5 - t4, fig[UNTOUCHED] = t7 - t6;
	return exact;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], 0, 10) : 1024;
	int reps = argc > 2 ? atoi(argv[2]) : 5;
	if (reps < 1 || reps > MAX_REPS)
		reps = 5;
	double fig[NFIG][MAX_REPS];
	int exact = 1;
	for (int r = 0; r < reps; r++) {
		int fds[2];
		double one[NFIG + 1];
		if (pipe(fds))
			return 1;
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			one[NFIG] = repetition(mib << 20, (unsigned)r + 1, one);
			if (write(fds[1], one, sizeof one) != (ssize_t)sizeof one)
				_exit(1);
			_exit(0);
		}
		close(fds[1]);
		ssize_t got = read(fds[0], one, sizeof one);
		close(fds[0]);
		waitpid(pid, 0, 0);
		if (got != (ssize_t)sizeof one)
			return 1;
		if (one[NFIG] < 0) {
			printf("{\"bench\":\"dirtyPages\",\"mode\":\"hash\",\"why\":\"%s\"}\n", ckpt_dirty_why());
			return 0;
		}
		exact &= one[NFIG] > 0;
		for (int f = 0; f < NFIG; f++)
			fig[f][r] = one[f];
	}
	printf("{\"bench\":\"dirtyPages\",\"mode\":\"%s\",\"mib\":%zu,\"reps\":%d,\"writtenPages\":%zu,\"exact\":%s",
	       ckpt_dirty_mode(), mib, reps, (mib << 20) / PG / 100, exact ? "true" : "false");
	for (int f = 0; f < NFIG; f++)
		printf(",\"%s\":%.2f", names[f], median(fig[f], reps));
	printf("}\n");
	return 0;
}

/*
 * What the dirty-page test programs share: the tracking module is compiled
 * into each of them (with the engine's util.c), so that they call it as the
 * memory plugin does, from a stopped world of their own making (a single
 * thread, or threads parked at a barrier).
 * A failed check prints FAIL and exits 1; the test file reads "ok" lines.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../../../native/lib/plugins/memory/dirty.h"

#define PG 4096ul

#define CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			printf("FAIL %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__); \
			printf("\n"); \
			fflush(stdout); \
			exit(1); \
		} \
	} while (0)

/* The kind (CKPT_DIRTY_*) of each page of one scanned range, 0 if unchanged. */
struct pages {
	uint64_t start, npages;
	unsigned char *kind;
	long runs;
	uint64_t last_end; /* to check ascending, disjoint runs */
};

static int note_run(void *ctx, uint64_t s, uint64_t e, unsigned kind)
{
	struct pages *p = ctx;
	if (getenv("DIRTY_TRACE"))
		printf("run +%lx-+%lx kind %u\n", (unsigned long)(s - p->start), (unsigned long)(e - p->start), kind);
	CHECK(s % PG == 0 && e % PG == 0 && s < e, "run %lx-%lx not page aligned", (unsigned long)s, (unsigned long)e);
	CHECK(s >= p->last_end, "run %lx-%lx not after the previous one", (unsigned long)s, (unsigned long)e);
	CHECK(s >= p->start && e <= p->start + p->npages * PG, "run %lx-%lx outside the range", (unsigned long)s,
	      (unsigned long)e);
	p->last_end = e;
	p->runs++;
	for (uint64_t a = s; a < e; a += PG)
		p->kind[(a - p->start) / PG] = (unsigned char)kind;
	return 0;
}

/* Scans [start, start + len) into a fresh page table of kinds. */
static __attribute__((unused)) struct pages scan(void *start, size_t len)
{
	struct pages p = { (uint64_t)start, len / PG, calloc(len / PG, 1), 0, 0 };
	CHECK(ckpt_dirty_scan(p.start, p.start + len, note_run, &p) == 0, "scan of %p failed", start);
	return p;
}

static __attribute__((unused)) uint64_t count(const struct pages *p, unsigned kind)
{
	uint64_t n = 0;
	for (uint64_t i = 0; i < p->npages; i++)
		n += p->kind[i] == kind;
	return n;
}

static __attribute__((unused)) void *map_anon(size_t len)
{
	void *m = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED, "mmap of %zu bytes", len);
	return m;
}

static void arm(void)
{
	CHECK(ckpt_dirty_arm() >= 0, "arm failed: %s", ckpt_dirty_why() ? ckpt_dirty_why() : "?");
	CHECK(!strcmp(ckpt_dirty_mode(), "uffd-wp"), "mode %s", ckpt_dirty_mode());
}

static void ok(const char *what)
{
	printf("ok %s\n", what);
	fflush(stdout);
}

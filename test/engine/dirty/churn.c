/* Snapshots kept up to date only with what the scans report, against memory
 * that changes every way a program changes it: writes, MADV_DONTNEED, new
 * mappings over old ones, munmap, mremap (grown in place and moved), mprotect
 * splits. All of it inside one reserved arena; the "snapshot" is a shared
 * mapping mirroring the arena (shared memory is never tracked), updated as
 * the memory plugin would: each readable region scanned, every run reported
 * copied (written, untracked) or zeroed (dropped), any page the last snapshot
 * did not have copied whole; then the arm. After each snapshot every readable
 * page of the arena must equal its copy. */
#include "dirty_test.h"
#include <setjmp.h>
#include <signal.h>

#define ARENA (256ul << 20)
#define SLOTS 64 /* regions of up to 4 MiB, one per 4 MiB slot */
#define SLOT (ARENA / SLOTS)

static unsigned char *arena, *image, *have;

static unsigned rnd(void)
{
	static unsigned s = 12345;
	s = s * 1103515245u + 12345u;
	return s >> 8;
}

static int copy_run(void *ctx, uint64_t s, uint64_t e, unsigned kind)
{
	(void)ctx;
	size_t off = s - (uint64_t)arena;
	if (kind == CKPT_DIRTY_DROPPED)
		memset(image + off, 0, e - s);
	else
		memcpy(image + off, (void *)s, e - s);
	memset(have + off / PG, 1, (e - s) / PG);
	return 0;
}

/* Calls fn on each readable mapping inside the arena. */
static void each_region(void (*fn)(unsigned char *s, unsigned char *e))
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long s, e;
	char perms[8];
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) == 3 && perms[0] == 'r' && s >= (unsigned long)arena &&
		    e <= (unsigned long)arena + ARENA)
			fn((unsigned char *)s, (unsigned char *)e);
	fclose(f);
}

static unsigned char *keep; /* pages readable now: a copy must exist for them */

static void snapshot_region(unsigned char *s, unsigned char *e)
{
	CHECK(ckpt_dirty_scan((uint64_t)s, (uint64_t)e, copy_run, 0) == 0, "scan of %p", (void *)s);
	for (unsigned char *p = s; p < e; p += PG) {
		size_t i = (size_t)(p - arena) / PG;
		if (!have[i]) /* not in the last snapshot: saved whole */
			copy_run(0, (uint64_t)p, (uint64_t)p + PG, CKPT_DIRTY_UNTRACKED);
		keep[i] = 1;
	}
}

static void verify_region(unsigned char *s, unsigned char *e)
{
	for (unsigned char *p = s; p < e; p += PG)
		CHECK(!memcmp(p, image + (p - arena), PG), "page +%lx differs from its copy", (unsigned long)(p - arena));
}

static void snapshot(void)
{
	memset(keep, 0, ARENA / PG);
	each_region(snapshot_region);
	for (size_t i = 0; i < ARENA / PG; i++)
		if (!keep[i])
			have[i] = 0; /* unmapped or unreadable: gone from the snapshot */
	arm();
	each_region(verify_region);
}

static sigjmp_buf skip;

static void on_fault(int sig)
{
	(void)sig;
	siglongjmp(skip, 1);
}

static unsigned char *slot(unsigned i) { return arena + (size_t)i * SLOT; }

static void mutate(void)
{
	unsigned i = rnd() % SLOTS, op = rnd() % 8;
	unsigned char *p = slot(i);
	size_t pages = 1 + rnd() % (SLOT / PG / 2), at = rnd() % (SLOT / PG / 2);
	switch (op) {
	case 0: /* a new mapping over whatever the slot held, filled (so that dropping a page changes it) */
		mmap(p, pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		memset(p, (int)(rnd() | 1), pages * PG);
		break;
	case 1: /* gone: back to the reservation */
		mmap(p, SLOT, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
		break;
	case 2:
		madvise(p + at * PG, (1 + rnd() % 16) * PG, MADV_DONTNEED);
		break;
	case 3: /* grown in place or moved to another slot */
		if (rnd() % 2)
			mremap(p, PG, (1 + rnd() % 64) * PG, 0);
		else
			mremap(p, (1 + rnd() % 8) * PG, (1 + rnd() % 8) * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
			       slot(rnd() % SLOTS));
		break;
	case 4:
		mprotect(p + at * PG, (1 + rnd() % 8) * PG, rnd() % 2 ? PROT_READ : PROT_READ | PROT_WRITE);
		break;
	default: /* writes; one into memory that is not writable is skipped */
		for (int k = 0; k < 64; k++) {
			unsigned char *q = slot(rnd() % SLOTS) + (size_t)(rnd() % (SLOT / PG)) * PG + rnd() % PG;
			unsigned char v = (unsigned char)rnd();
			if (!sigsetjmp(skip, 1))
				*(volatile unsigned char *)q = v;
		}
	}
}

int main(void)
{
	signal(SIGSEGV, on_fault);
	arena = mmap(0, ARENA, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	image = mmap(0, ARENA, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	have = mmap(0, ARENA / PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	keep = mmap(0, ARENA / PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(arena != MAP_FAILED && image != MAP_FAILED && have != MAP_FAILED && keep != MAP_FAILED, "mmap");
	for (unsigned i = 0; i < SLOTS; i += 2) {
		mmap(slot(i), SLOT / 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		memset(slot(i), (int)i + 1, SLOT / 2);
	}
	snapshot();
	for (int round = 0; round < 60; round++) {
		for (int step = 0; step < 20; step++)
			mutate();
		snapshot();
	}
	ok("churn");
	return 0;
}

/* Regions whose mapping changed after the arm: replaced at the same address
 * (munmap + mmap, or MAP_FIXED over it), moved or grown by mremap, split by
 * mprotect. A new or moved mapping is untracked until the next arm; a split
 * one stays tracked exactly. */
#define _GNU_SOURCE
#include "dirty_test.h"

static void replaced(void)
{
	size_t len = 32 * PG;
	unsigned char *m = map_anon(len);
	memset(m, 1, len);
	arm();
	munmap(m, len);
	unsigned char *again = mmap(m, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(again == m, "mmap at the same address");
	struct pages p = scan(m, len);
	CHECK(count(&p, CKPT_DIRTY_UNTRACKED) == 32, "a region mapped again after the arm: %lu pages untracked",
	      (unsigned long)count(&p, CKPT_DIRTY_UNTRACKED));
	/* MAP_FIXED over the middle of a tracked region, without munmap */
	unsigned char *n = map_anon(len);
	memset(n, 1, len);
	arm();
	CHECK(mmap(n + 8 * PG, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		      n + 8 * PG,
	      "MAP_FIXED");
	p = scan(n, len);
	for (int i = 0; i < 32; i++)
		CHECK(p.kind[i] == (i >= 8 && i < 12 ? CKPT_DIRTY_UNTRACKED : 0), "MAP_FIXED page %d: kind %d", i,
		      p.kind[i]);
	/* the next arm tracks both again */
	arm();
	p = scan(n, len);
	CHECK(p.runs == 0, "after the next arm: %ld runs", p.runs);
	n[9 * PG] = 2;
	p = scan(n, len);
	CHECK(p.runs == 1 && p.kind[9] == CKPT_DIRTY_WRITTEN, "a write after the next arm");
	ok("replaced at the same address");
}

static void moved_and_grown(void)
{
	size_t len = 16 * PG;
	unsigned char *m = map_anon(4 * len);
	munmap(m + len, 3 * len); /* room to grow in place */
	memset(m, 1, len);
	arm();
	unsigned char *g = mremap(m, len, 2 * len, 0);
	CHECK(g == m, "mremap in place");
	struct pages p = scan(g, 2 * len);
	for (int i = 0; i < 16; i++)
		CHECK(p.kind[i] == 0, "grown in place, old page %d: kind %d", i, p.kind[i]);
	for (int i = 16; i < 32; i++)
		CHECK(p.kind[i] != 0, "grown in place, new page %d reported clean", i);
	g[20 * PG] = 3;
	g[2 * PG] = 3;
	p = scan(g, 2 * len);
	CHECK(p.kind[2] && p.kind[20], "writes after growing: %d %d", p.kind[2], p.kind[20]);
	unsigned char *mv = mremap(g, 2 * len, 2 * len, MREMAP_MAYMOVE | MREMAP_FIXED, m + 2 * len);
	CHECK(mv == m + 2 * len, "mremap to a new address");
	p = scan(mv, 2 * len);
	CHECK(count(&p, CKPT_DIRTY_UNTRACKED) == 32, "a moved region: %lu pages untracked",
	      (unsigned long)count(&p, CKPT_DIRTY_UNTRACKED));
	CHECK(mv[20 * PG] == 3 && mv[0] == 1, "contents moved");
	ok("moved and grown by mremap");
}

static void split(void)
{
	size_t len = 32 * PG;
	unsigned char *m = map_anon(len);
	memset(m, 1, len);
	arm();
	CHECK(mprotect(m + 8 * PG, 8 * PG, PROT_READ) == 0, "mprotect");
	struct pages p = scan(m, len);
	CHECK(p.runs == 0, "after mprotect: %ld runs", p.runs);
	m[2 * PG] = 5;
	m[20 * PG] = 5;
	CHECK(mprotect(m + 8 * PG, 8 * PG, PROT_READ | PROT_WRITE) == 0, "mprotect back");
	m[9 * PG] = 5;
	p = scan(m, len);
	for (int i = 0; i < 32; i++)
		CHECK(p.kind[i] == (i == 2 || i == 9 || i == 20 ? CKPT_DIRTY_WRITTEN : 0), "split page %d: kind %d", i,
		      p.kind[i]);
	/* read-only at the arm: never registered, so untracked */
	unsigned char *ro = mmap(0, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	arm();
	mprotect(ro, len, PROT_READ | PROT_WRITE);
	ro[0] = 1;
	p = scan(ro, len);
	CHECK(count(&p, CKPT_DIRTY_UNTRACKED) == 32, "a region read-only at the arm");
	ok("split by mprotect");
}

/* Regions over CKPT_DIRTY_REGION_MAX are left untracked (their page tables
 * alone would cost 2 MiB per GiB); a small one beside it is tracked. */
static void too_large(void)
{
	size_t big = CKPT_DIRTY_REGION_MAX + (1ul << 30);
	unsigned char *m = mmap(0, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(m != MAP_FAILED, "mmap of %zu bytes", big);
	unsigned char *small = map_anon(64 * PG);
	arm();
	m[PG] = 1;
	small[PG] = 1;
	struct pages p = scan(m, 64 * PG);
	CHECK(count(&p, CKPT_DIRTY_UNTRACKED) == 64, "a region of %zu GiB is tracked", big >> 30);
	p = scan(small, 64 * PG);
	CHECK(p.runs == 1 && p.kind[1] == CKPT_DIRTY_WRITTEN, "the small region beside it");
	munmap(m, big);
	ok("too large to track");
}

int main(void)
{
	too_large();
	replaced();
	moved_and_grown();
	split();
	return 0;
}

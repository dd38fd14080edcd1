/*
 * An increment's written pages, copied while the program is stopped, so that
 * the forked writer need not have their region at all.
 *
 * A fork copies the page table of every private region with pages: some
 * 26 ms for a gigabyte of touched memory here, the whole of an increment's
 * pause, to save the few pages written since the parent. Copying those pages
 * costs in proportion to them instead. So a large region whose saved pages
 * are few is copied now (ASIDE_WRITTEN, with its plan of runs), marked
 * MADV_DONTFORK for the instant of the fork only, and the writer writes it
 * from the copy, as it writes the regions set aside (pages.c).
 *
 * The program's threads are all stopped from the copy to MADV_DOFORK, so none
 * forks without the region meanwhile. A region the program itself advised
 * MADV_DONTFORK or MADV_WIPEONFORK is set aside whole already, never here.
 */
#include "layout.h"
#include "dirty.h"
#include "../../writer.h"
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

/* Only a region of at least this much is worth it: a fork copies a small
 * one's page table in microseconds. */
#define REGION_MIN (4ul << 20)
/* Copied when its saved pages are at most 1/SHARE of it: a page copied costs
 * about as much as the fork's work for ten to twenty pages of the region. */
#define SHARE 16

/* The layout whose ASIDE_WRITTEN regions are kept out of the fork. */
static struct layout *fork_plan;
/* bytes of pages copied in this snapshot's pause (the answer's "copied") */
static uint64_t copied;

/* The copies' memory, kept from one snapshot to the next: to fault in new
 * memory costs more here than the copy itself (some 3 us a page private,
 * 5 us shared). Shared, so that the forked writer reads the very pages (and
 * the fork copies no page table of it); the engine's own, never saved. A
 * writer is done with it once it has answered, before the next order. */
#define COPY_MAX (256ul << 20)
static char *copy_buf;
static uint64_t copy_size;

static void drop_buf(int unmap_it)
{
	if (!copy_buf)
		return;
	ckpt_own_memory_remove((uint64_t)copy_buf);
	if (unmap_it)
		SYS2(SYS_munmap, copy_buf, copy_size);
	copy_buf = 0;
	copy_size = 0;
}

/* A restored process has none (it was never saved); a forked child of the
 * program shares its parent's, which it must not write. */
void ckpt_mem_written_forget(int unmap_it) { drop_buf(unmap_it); }

static int reserve(uint64_t n)
{
	if (n <= copy_size)
		return 0;
	drop_buf(1);
	uint64_t size = 1ul << 20;
	while (size < n)
		size <<= 1;
	long m = SYS6(SYS_mmap, 0, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m < 0 && m > -4096)
		return -1;
	copy_buf = (char *)m;
	copy_size = size;
	ckpt_own_memory_add((uint64_t)m, (uint64_t)m + size);
	return 0;
}

/* The engine's own variables: the writer needs them. */
extern char __bss_start[] __attribute__((visibility("hidden")));
extern char _end[] __attribute__((visibility("hidden")));

/* Whether region r holds what the forked writer itself uses: the engine's
 * variables, the stack it runs on (this one) and its thread's block. */
static int writer_needs(const struct ckpt_img_region *r)
{
	uint64_t sp = (uint64_t)__builtin_frame_address(0), tp = (uint64_t)__builtin_thread_pointer();
	return (r->start <= sp && sp < r->end) || (r->start <= tp && tp < r->end) ||
	       (r->start < (uint64_t)_end && (uint64_t)__bss_start < r->end);
}

/* The bytes of region i that its segments save at most. */
static uint64_t written_bytes(const struct layout *l, const struct region_plan *rp)
{
	uint64_t n = 0;
	for (uint64_t k = rp->seg_first; k < rp->seg_first + rp->nsegs; k++) {
		const struct segment *sg = &l->segs[k];
		if (sg->kind != SEG_INHERIT && sg->kind != CKPT_DIRTY_DROPPED)
			n += sg->end - sg->start;
	}
	return n;
}

/* A region that an increment could copy: large, private, anonymous (a
 * thread's stack made by mmap is one of these). */
static int copyable(const struct layout *l, uint64_t i)
{
	const struct ckpt_img_region *r = &l->regions[i];
	const struct region_plan *rp = &l->plan[i];
	if (rp->aside || rp->whole || r->end - r->start < REGION_MIN || !(r->prot & CKPT_PROT_R))
		return 0;
	/* not the main stack: the environment's strings are there, which the
	 * engine's settings may point to */
	return (r->kind == CKPT_MEM_ANON || r->kind == CKPT_MEM_HEAP) && !writer_needs(r);
}

static int worth_copying(const struct layout *l, uint64_t i)
{
	const struct ckpt_img_region *r = &l->regions[i];
	return l->plan[i].incr && copyable(l, i) && written_bytes(l, &l->plan[i]) <= (r->end - r->start) / SHARE;
}

/* A whole image: the next snapshot may well be an increment, and the first
 * copy would pay for new memory (some 3 us a page here, against a quarter of
 * that to map a page that exists). The memory is made now, for 1/PREPARE of
 * the copyable regions, and its pages allocated by the forked writer once it
 * has answered (ckpt_memory_writer_done); the increment's pause only maps
 * them. */
#define PREPARE 64
static uint64_t prepare_len;

static void prepare(const struct layout *l)
{
	uint64_t n = 0;
	for (uint64_t i = 0; i < l->nregions; i++)
		if (copyable(l, i))
			n += (l->regions[i].end - l->regions[i].start) / PREPARE;
	n = n > COPY_MAX / 4 ? COPY_MAX / 4 : n;
	if (n && reserve(n) == 0)
		prepare_len = n;
}

void ckpt_memory_writer_done(void)
{
	if (prepare_len)
		SYS3(SYS_madvise, copy_buf, prepare_len, MADV_POPULATE_WRITE);
}

/* Back to the plan without copies: the fork copies the regions as before. */
static void undo(struct layout *l, uint64_t naside_runs)
{
	for (uint64_t i = 0; i < l->nregions; i++)
		if (l->plan[i].aside == ASIDE_WRITTEN)
			l->plan[i].aside = 0;
	l->naside_runs = naside_runs;
	l->written = 0;
	l->written_size = 0;
}

static int open_pagemap(void) { return (int)SYS3(SYS_open, "/proc/self/pagemap", O_RDONLY | O_CLOEXEC, 0); }

/* Never fails: where a copy cannot be made, the fork copies the region. */
int ckpt_mem_copy_written(struct layout *l, int forks)
{
	fork_plan = 0;
	prepare_len = 0;
	copied = 0;
	if (!forks)
		return 0;
	int any = 0, incr = 0;
	for (uint64_t i = 0; i < l->nregions && !any; i++) {
		any = worth_copying(l, i);
		incr |= l->plan[i].incr;
	}
	if (!incr && !ckpt_dirty_why()) /* mode "hash" never copies */
		prepare(l);
	if (!any)
		return 0;
	int pm_fd = open_pagemap();
	if (pm_fd < 0)
		return 0; /* the fork copies them as before */
	uint64_t before = l->naside_runs;
	struct runlist out = { l->aside_runs, before, l->runs_end, 0 };
	uint64_t total = 0;
	int rc = -1;
	for (uint64_t i = 0; i < l->nregions; i++) {
		struct region_plan *rp = &l->plan[i];
		if (!worth_copying(l, i))
			continue;
		struct ckpt_img_region tmp = l->regions[i];
		uint64_t first = out.n, off = total;
		if (ckpt_mem_plan_segments(l, &tmp, rp, pm_fd, &out, &total) < 0)
			goto out;
		rp->aside = ASIDE_WRITTEN;
		rp->aside_off = off;
		rp->aside_first = first;
		rp->aside_nruns = out.n - first;
	}
	l->naside_runs = out.n;
	if (total > COPY_MAX || reserve(total) < 0)
		goto out;
	l->written = copy_buf;
	l->written_size = total;
	/* maps the pages in one call, not a fault each (allocating those that
	 * no writer prepared) */
	SYS3(SYS_madvise, copy_buf, total, MADV_POPULATE_WRITE);
	for (uint64_t i = 0; i < l->nregions; i++) {
		struct region_plan *rp = &l->plan[i];
		if (rp->aside != ASIDE_WRITTEN)
			continue;
		rp->copy = l->written + rp->aside_off;
		/* the regions copied here are readable: no /proc/self/mem needed */
		if (ckpt_mem_copy_runs(&l->regions[i], l->aside_runs + rp->aside_first, rp->aside_nruns, -1,
				       l->written + rp->aside_off) < 0)
			goto out;
	}
	fork_plan = l;
	copied = total;
	rc = 0;
out:
	SYS1(SYS_close, pm_fd);
	if (rc < 0)
		undo(l, before);
	return 0;
}

static void advise_all(int advice)
{
	struct layout *l = fork_plan;
	for (uint64_t i = 0; l && i < l->nregions; i++)
		if (l->plan[i].aside == ASIDE_WRITTEN)
			SYS3(SYS_madvise, l->regions[i].start, l->regions[i].end - l->regions[i].start, advice);
}

void ckpt_mem_copied_answer(struct ckpt_json *j)
{
	ckpt_json_key(j, "copied");
	ckpt_json_int(j, (long)copied);
}

/* Around the clone of the forked writer (background.c), with every thread of
 * the program stopped. */
void ckpt_memory_fork_begin(void) { advise_all(MADV_DONTFORK); }

void ckpt_memory_fork_end(void)
{
	advise_all(MADV_DOFORK);
	fork_plan = 0;
}

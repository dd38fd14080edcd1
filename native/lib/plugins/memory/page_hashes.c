/*
 * Mode "hash" (dirty.h): with no write-protection to say which pages changed,
 * the image writer finds them by their contents. Each snapshot's writer
 * records the XXH3-128 of every private anonymous page it would save, in
 * address order, in a table that outlives the snapshot's working memory; the
 * next snapshot's writer, when that snapshot is its parent, compares each
 * page it would save with the parent's hash at the same address: an equal
 * page is inherited, the others are written. 128 bits because an equal hash
 * restores the parent's page without a second look: at a hundred million
 * pages a 64-bit hash would collide about once in four thousand snapshots.
 *
 * The hashing is the writer's (a forked writer runs beside the program): the
 * pause only maps the new table. The tables are shared memory, so that a
 * forked writer's entries reach the program's side; they are the engine's
 * own memory, never saved (ckpt_own_memory). A table is trusted only once its
 * writer has marked it complete, and only by the snapshot that names its
 * snapshot as parent. The program's side keeps two: the last snapshot's
 * (the next one's parent) and the one before it, which a writer still
 * running may read; a forked writer keeps its own mappings until it exits.
 */
#include "page_hashes.h"
#include "../../../include/ckpt_xxh.h"
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

struct page_hash {
	uint64_t addr, hi, lo;
};

#define PATH_LEN 4096
struct hash_table {
	volatile uint32_t complete; /* set by the writer once every entry is in */
	uint32_t overflow;          /* more pages than room (the map grew): never complete */
	uint64_t n, cap, size;      /* entries, room, bytes mapped */
	char as[PATH_LEN];          /* the image these are the pages of */
	struct page_hash e[];
};

static struct hash_table *last, *before;

/* Drops a table: out of the engine's own memory, and unmapped when asked
 * (a restarted process has no mapping left behind its stale pointer). */
static void drop(struct hash_table **t, int unmap_it)
{
	if (!*t)
		return;
	ckpt_own_memory_remove((uint64_t)*t);
	if (unmap_it)
		SYS2(SYS_munmap, *t, (*t)->size);
	*t = 0;
}

static int hashed_kind(const struct ckpt_img_region *r)
{
	return (r->prot & CKPT_PROT_R) &&
	       (r->kind == CKPT_MEM_ANON || r->kind == CKPT_MEM_HEAP || r->kind == CKPT_MEM_STACK);
}

int ckpt_hashes_begin(struct layout *l, const char *as, const char *parent)
{
	uint64_t pages = 0;
	for (uint64_t i = 0; i < l->nregions; i++)
		if (hashed_kind(&l->regions[i]) && !l->plan[i].whole && !l->plan[i].aside)
			pages += (l->regions[i].end - l->regions[i].start) / CKPT_PAGE;
	drop(&before, 1);
	before = last;
	last = 0;
	l->hash_parent = before && before->complete && parent && parent[0] && !strcmp(before->as, parent) ? before : 0;
	l->hash_cur = 0;
	l->hash_pos = 0;
	uint64_t size = (sizeof(struct hash_table) + pages * sizeof(struct page_hash) + 4095) & ~4095ull;
	long m = SYS6(SYS_mmap, 0, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m < 0 && m > -4096) {
		l->hash_parent = 0; /* no table: a whole image, and none to compare the next with */
		return 0;
	}
	last = (struct hash_table *)m;
	ckpt_own_memory_add((uint64_t)m, (uint64_t)m + size); /* never saved */
	last->size = size;
	last->cap = pages;
	ckpt_strlcpy(last->as, as, sizeof last->as);
	l->hash_cur = last;
	return l->hash_parent != 0;
}

int ckpt_hashes_applies(const struct layout *l, const struct ckpt_img_region *r, int whole)
{
	return l->hash_cur && !whole && hashed_kind(r);
}

int ckpt_hashes_page(struct layout *l, uint64_t addr)
{
	struct hash_table *cur = l->hash_cur, *par = l->hash_parent;
	uint64_t hi, lo;
	ckpt_xxh128((const void *)addr, CKPT_PAGE, &hi, &lo);
	if (cur->n < cur->cap)
		cur->e[cur->n++] = (struct page_hash){ addr, hi, lo };
	else
		cur->overflow = 1;
	if (!par)
		return 0;
	while (l->hash_pos < par->n && par->e[l->hash_pos].addr < addr)
		l->hash_pos++;
	const struct page_hash *p = l->hash_pos < par->n ? &par->e[l->hash_pos] : 0;
	return p && p->addr == addr && p->hi == hi && p->lo == lo;
}

void ckpt_hashes_complete(struct layout *l)
{
	if (l->hash_cur && !l->hash_cur->overflow)
		__atomic_store_n(&l->hash_cur->complete, 1, __ATOMIC_RELEASE);
}

void ckpt_hashes_forget(int unmap_them)
{
	drop(&last, unmap_them);
	drop(&before, unmap_them);
}

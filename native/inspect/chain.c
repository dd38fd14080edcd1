/*
 * An image and the parents it inherits pages from (CKPT_RUN_INHERIT runs),
 * each checked to be the file the increment names. A page's bytes are in the
 * nearest image whose run holding it has data; a page in no run of a level
 * is a hole there (zeros, or a private file mapping's bytes). The engine
 * writes regions and runs in ascending order, so a page is found by halves
 * (a level that is not so ordered is searched in full).
 */
#define _GNU_SOURCE
#include "chain.h"
#include "diff.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void fail(const char *path, const char *msg)
{
	fprintf(stderr, "ckpt-inspect: %s: %s\n", path, msg);
	exit(2);
}

/* Opens and checks one image; a symlink is not followed. 0, or -1 with the
 * problem in c->why and the file in c->what. */
static int load(struct chain *c, int level, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	snprintf(c->what, sizeof c->what, "%s", path);
	if (fd < 0 || fstat(fd, &st) < 0) {
		c->why = strerror(errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	c->file[level] = (struct image_file){ fd, -1 };
	if (!S_ISREG(st.st_mode)) {
		c->why = "not an image: not a regular file";
		return -1;
	}
	struct ckpt_reader *r = &c->r[level];
	image_file_blocks(&c->file[level], path);
	*r = (struct ckpt_reader){ .io = { &c->file[level], file_read, file_alloc, file_block } };
	free(c->path[level]);
	c->path[level] = strdup(path);
	if (ckr_read(r, (uint64_t)st.st_size)) {
		c->why = r->msg;
		return -1;
	}
	return 0;
}

/* The parent's path: relative to the directory of the image naming it. */
static char *parent_path(const char *child, const char *rel)
{
	size_t dir = 0;
	for (size_t i = 0; child[i]; i++)
		if (child[i] == '/')
			dir = i + 1;
	if (rel[0] == '/')
		dir = 0;
	char *p = malloc(dir + strlen(rel) + 1);
	if (!p)
		fail(child, "out of memory");
	memcpy(p, child, dir);
	memcpy(p + dir, rel, strlen(rel) + 1);
	return p;
}

/* Whether r's regions, and each region's runs, are in ascending order. */
static int ordered(const struct ckpt_reader *r)
{
	for (uint32_t i = 0; i < r->mm->nregions; i++) {
		const struct ckpt_img_region *g = &r->regions[i];
		if (i && g->start < r->regions[i - 1].end)
			return 0;
		for (uint64_t k = 1; k < g->nruns; k++) {
			const struct ckpt_img_run *a = &r->runs[g->first_run + k - 1], *b = a + 1;
			if (b->addr < a->addr + a->npages * CKPT_PAGE)
				return 0;
		}
	}
	return 1;
}

int chain_open(struct chain *c, const char *path)
{
	c->n = 0;
	if (load(c, 0, path))
		return -1;
	c->sorted[0] = ordered(&c->r[0]);
	char *cur = strdup(path);
	int rc = 0;
	for (c->n = 1; !rc && c->r[c->n - 1].parent_rec; c->n++) {
		const struct ckpt_img_parent *pr = c->r[c->n - 1].parent_rec;
		if (c->n > CKPT_MAX_CHAIN) {
			c->why = "the chain of snapshots it was taken after is too long";
			rc = -1;
			break;
		}
		char *pp = parent_path(cur, pr->path);
		free(cur);
		cur = pp;
		if (load(c, c->n, pp)) {
			rc = -1;
			break;
		}
		const struct ckpt_reader *p = &c->r[c->n];
		if (p->hdr.header_checksum != pr->header_checksum)
			c->why = "the snapshot it was taken after has been replaced or changed", rc = -1;
		else if (p->proc->vpid != pr->vpid)
			c->why = "the snapshot it was taken after is of another process", rc = -1;
		c->sorted[c->n] = ordered(p);
	}
	free(cur);
	return rc;
}

void chain_check_blocks(struct chain *c)
{
	for (int level = 0; level < c->n; level++)
		if (ckr_blocks_present(&c->r[level]))
			fail(c->path[level], c->r[level].msg);
}

void chain_load(struct chain *c, const char *path)
{
	if (chain_open(c, path))
		fail(c->what, c->why);
}

static const struct ckpt_img_region *region_at(const struct ckpt_reader *r, int sorted, uint64_t addr)
{
	if (!sorted) {
		for (uint32_t i = 0; i < r->mm->nregions; i++)
			if (r->regions[i].start <= addr && addr < r->regions[i].end)
				return &r->regions[i];
		return 0;
	}
	uint32_t lo = 0, hi = r->mm->nregions;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (r->regions[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->mm->nregions && r->regions[lo].start <= addr ? &r->regions[lo] : 0;
}

static const struct ckpt_img_run *run_at(const struct ckpt_reader *r, int sorted, const struct ckpt_img_region *g,
					 uint64_t addr)
{
	const struct ckpt_img_run *runs = &r->runs[g->first_run];
	if (!sorted) {
		for (uint64_t k = 0; k < g->nruns; k++)
			if (runs[k].addr <= addr && addr - runs[k].addr < runs[k].npages * CKPT_PAGE)
				return &runs[k];
		return 0;
	}
	uint64_t lo = 0, hi = g->nruns;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (runs[mid].addr + runs[mid].npages * CKPT_PAGE <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->nruns && runs[lo].addr <= addr ? &runs[lo] : 0;
}

struct page_src chain_page_src(const struct chain *c, uint64_t addr)
{
	for (int level = 0; level < c->n; level++) {
		const struct ckpt_reader *r = &c->r[level];
		const struct ckpt_img_region *g = region_at(r, c->sorted[level], addr);
		const struct ckpt_img_run *hit = g ? run_at(r, c->sorted[level], g, addr) : 0;
		if (!hit)
			break;
		if (hit->data_offset != CKPT_RUN_INHERIT)
			return (struct page_src){ level, hit->data_offset + (addr - hit->addr) };
		if (!r->parent_rec)
			break;
	}
	return (struct page_src){ 0, HOLE };
}

int chain_read_src(const struct chain *c, struct page_src s, char *buf)
{
	if (s.off == HOLE) {
		memset(buf, 0, CKPT_PAGE);
		return 0;
	}
	/* the reader's cache of one chunk changes as it reads */
	return ckr_data_read((struct ckpt_reader *)&c->r[s.level], buf, CKPT_PAGE, s.off);
}

int chain_read(const struct chain *c, uint64_t addr, void *buf, size_t n)
{
	static char page[CKPT_PAGE];
	for (size_t done = 0; done < n;) {
		uint64_t a = addr + done, base = a & ~(CKPT_PAGE - 1);
		size_t k = CKPT_PAGE - (a - base) < n - done ? CKPT_PAGE - (a - base) : n - done;
		struct page_src s = chain_page_src(c, base);
		if (s.off == HOLE || chain_read_src(c, s, page))
			return -1;
		memcpy((char *)buf + done, page + (a - base), k);
		done += k;
	}
	return 0;
}

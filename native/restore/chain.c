/*
 * Increments: a run with data_offset CKPT_RUN_INHERIT holds the same pages as
 * the parent image (the same process's previous snapshot), which holds them
 * itself, inherits them in turn, or has them as zeros. Before the point of no
 * return every parent up the chain is opened and checked: header, section
 * checksums, that it is the very file the increment was taken against (its
 * header checksum), of the same process, at the depth recorded. After the
 * image's own pages are in place, each parent's memory contents are read
 * whole (so that their checksum is checked, as the image's own are) and the
 * pages still wanted are copied out of them.
 */
#include "rt.h"
#include "../include/ckpt_hash.h"

/* Page ranges [v[2i], v[2i+1]), ascending and disjoint. */
struct ranges {
	uint64_t *v;
	uint64_t n;
};

/* The runs whose pages are in this image (in data order, as fill_chunk
 * needs them) apart from those it inherits. */
static void split_runs(struct image *im, struct ranges *inherit)
{
	uint64_t n = im->mm->nruns, nd = 0, ni = 0, last_end = 0;
	im->druns = arena_alloc((n + 1) * sizeof *im->druns);
	inherit->v = arena_alloc((2 * n + 2) * sizeof *inherit->v);
	for (uint64_t k = 0; k < n; k++) {
		struct ckpt_img_run *r = &im->runs[k];
		if (r->data_offset != CKPT_RUN_INHERIT) {
			im->druns[nd++] = *r;
			continue;
		}
		if (r->addr < last_end)
			fail("the memory map section is inconsistent (inherited runs out of order)", 0, 0);
		last_end = r->addr + r->npages * CKPT_PAGE;
		inherit->v[2 * ni] = r->addr;
		inherit->v[2 * ni + 1] = last_end;
		ni++;
	}
	im->ndruns = nd;
	inherit->n = ni;
}

/* The parent's path: relative to the directory of the image naming it. */
static char *parent_path(struct image *im)
{
	const char *rel = im->parent_rec->path;
	size_t dir = 0;
	for (size_t i = 0; im->path[i]; i++)
		if (im->path[i] == '/')
			dir = i + 1;
	if (rel[0] == '/')
		dir = 0;
	char *p = arena_alloc(dir + strlen(rel) + 1);
	memcpy(p, im->path, dir);
	memcpy(p + dir, rel, strlen(rel) + 1);
	return p;
}

static struct image *load_parent(struct image *child, struct image *top)
{
	struct ckpt_img_parent *pr = child->parent_rec;
	char *path = parent_path(child);
	image_path = top->path;
	long fd = sys3(NR_open, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		fail4("the snapshot it was taken after is missing: cannot open ", path, ": ", errno_name(fd));
	sys1(NR_close, fd);
	struct image *p = arena_alloc(sizeof *p);
	image_load(p, path); /* names the parent in whatever it finds wrong */
	image_path = top->path;
	if (p->hdr.header_checksum != pr->header_checksum)
		fail("the snapshot it was taken after has been replaced or changed: ", path, 0);
	if (p->proc->vpid != pr->vpid || pr->vpid != top->proc->vpid)
		fail("the snapshot it was taken after is of another process: ", path, 0);
	if (p->parent_rec ? p->parent_rec->depth + 1 != pr->depth : pr->depth != 1)
		fail("the chain of snapshots it was taken after is inconsistent at ", path, 0);
	return p;
}

void chain_load(struct image *im)
{
	im->inherit = arena_alloc(sizeof *im->inherit);
	split_runs(im, im->inherit);
	if (im->inherit->n && !im->parent_rec)
		fail("the memory map section is inconsistent (inherited pages, no parent)", 0, 0);
	for (struct image *c = im; c->parent_rec; c = c->parent) {
		c->parent = load_parent(c, im);
		c->parent->inherit = arena_alloc(sizeof *c->parent->inherit);
		split_runs(c->parent, c->parent->inherit);
	}
	image_path = im->path;
}

/* The first range of rs that ends after a. */
static uint64_t first_after(const struct ranges *rs, uint64_t a)
{
	uint64_t lo = 0, hi = rs->n;
	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;
		if (rs->v[2 * mid + 1] <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Copies the part of [addr, addr + n) that is wanted from src. */
static uint64_t copy_wanted(const struct ranges *want, uint64_t addr, const char *src, uint64_t n)
{
	uint64_t copied = 0;
	for (uint64_t i = first_after(want, addr); i < want->n && want->v[2 * i] < addr + n; i++) {
		uint64_t a = want->v[2 * i] > addr ? want->v[2 * i] : addr;
		uint64_t b = want->v[2 * i + 1] < addr + n ? want->v[2 * i + 1] : addr + n;
		memcpy((void *)a, src + (a - addr), b - a);
		copied += b - a;
	}
	return copied;
}

/* want ∩ the ranges p inherits: what its own parent must supply */
static struct ranges intersect(const struct ranges *want, const struct ranges *inh)
{
	struct ranges out = { arena_alloc((2 * (want->n + inh->n) + 2) * sizeof(uint64_t)), 0 };
	for (uint64_t i = 0, j = 0; i < want->n && j < inh->n;) {
		uint64_t a = want->v[2 * i] > inh->v[2 * j] ? want->v[2 * i] : inh->v[2 * j];
		uint64_t b = want->v[2 * i + 1] < inh->v[2 * j + 1] ? want->v[2 * i + 1] : inh->v[2 * j + 1];
		if (a < b) {
			out.v[2 * out.n] = a;
			out.v[2 * out.n + 1] = b;
			out.n++;
		}
		if (want->v[2 * i + 1] < inh->v[2 * j + 1])
			i++;
		else
			j++;
	}
	return out;
}

static void read_chunk(struct image *p, char *buf, uint64_t n, uint64_t off)
{
	for (uint64_t done = 0; done < n;) {
		long r = sys4(NR_pread64, p->fd, buf + done, n - done, p->memdata->offset + off + done);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			fail("the snapshot it was taken after is truncated (memory contents): ", p->path, 0);
		done += (uint64_t)r;
	}
}

/* Reads all of p's memory contents, checking them, and puts the wanted pages
 * of its runs in place. */
static void take_from(struct image *p, const struct ranges *want, char *buf)
{
	struct ckpt_hash outer;
	ckpt_hash_init(&outer);
	uint64_t k = 0;
	for (uint64_t off = 0; off < p->memdata->size; off += CKPT_DATA_CHUNK) {
		uint64_t n = p->memdata->size - off < CKPT_DATA_CHUNK ? p->memdata->size - off : CKPT_DATA_CHUNK;
		read_chunk(p, buf, n, off);
		uint64_t h = ckpt_hash_buf(buf, n);
		ckpt_hash_update(&outer, &h, sizeof h);
		for (; k < p->ndruns; k++) {
			struct ckpt_img_run *r = &p->druns[k];
			uint64_t rs = r->data_offset, re = rs + r->npages * CKPT_PAGE;
			uint64_t a = rs > off ? rs : off, b = re < off + n ? re : off + n;
			if (a < b)
				copy_wanted(want, r->addr + (a - rs), buf + (a - off), b - a);
			if (re > off + n)
				break; /* continues in the next chunk */
		}
	}
	if (ckpt_hash_final(&outer) != p->memdata->checksum)
		fail("the memory contents of the snapshot it was taken after are corrupt (checksum mismatch); "
		     "the program was not started: ", p->path, 0);
}

/* Does p hold (not inherit) any page of want? */
static int holds_any(struct image *p, const struct ranges *want)
{
	for (uint64_t k = 0; k < p->ndruns; k++) {
		struct ckpt_img_run *r = &p->druns[k];
		uint64_t i = first_after(want, r->addr);
		if (i < want->n && want->v[2 * i] < r->addr + r->npages * CKPT_PAGE)
			return 1;
	}
	return 0;
}

void chain_fill(struct image *im)
{
	struct ranges want = *im->inherit;
	char *buf = 0;
	for (struct image *p = im->parent; p; p = p->parent) {
		if (want.n && holds_any(p, &want)) {
			if (!buf)
				buf = arena_alloc(CKPT_DATA_CHUNK);
			take_from(p, &want, buf);
		}
		want = intersect(&want, p->inherit);
		sys1(NR_close, p->fd);
	}
}

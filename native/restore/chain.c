/*
 * Increments: a run with data_offset CKPT_RUN_INHERIT holds the same pages as
 * the parent image (the same process's previous snapshot), which holds them
 * itself, inherits them in turn, or has them as zeros. Before the point of no
 * return every parent up the chain is opened and checked: header, section
 * checksums, that it is the very file the increment was taken against (its
 * header checksum), of the same process, at the depth recorded. Memory is
 * then filled from the image and its parents at once (fill.c): each parent
 * supplies the pages still wanted that it holds (those of no two overlap),
 * and has its memory contents read whole, so that their checksum is checked
 * as the image's own is.
 */
#include "rt.h"

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

static struct image *load_parent(struct image *child, struct image *top)
{
	struct ckpt_img_parent *pr = child->parent_rec;
	char *path = beside_image(child, child->parent_rec->path); /* relative to the child's folder */
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
	image_check_blocks(p); /* names the parent */
	image_path = top->path;
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

/* Does p hold (not inherit) any page of want? */
static int holds_any(struct image *p, const struct ranges *want)
{
	for (uint64_t k = 0; k < p->ndruns; k++) {
		struct ckpt_img_run *r = &p->druns[k];
		uint64_t i = ranges_first_after(want, r->addr);
		if (i < want->n && want->v[2 * i] < r->addr + r->npages * CKPT_PAGE)
			return 1;
	}
	return 0;
}

void chain_fill(struct image *im)
{
	uint32_t n = 1;
	for (struct image *p = im->parent; p; p = p->parent)
		n++;
	struct fill_source *src = arena_alloc(n * sizeof *src);
	src[0] = (struct fill_source){ im, 0, 0, 0 };
	n = 1;
	/* the pages each parent supplies are those still wanted that it holds;
	 * the rest of them are wanted from its own parent */
	struct ranges *want = im->inherit;
	for (struct image *p = im->parent; p; p = p->parent) {
		if (want->n && holds_any(p, want))
			src[n++] = (struct fill_source){ p, want, 0, 0 };
		struct ranges *next = arena_alloc(sizeof *next);
		*next = intersect(want, p->inherit);
		want = next;
	}
	fill_memory(src, n);
	for (struct image *p = im->parent; p; p = p->parent) {
		sys1(NR_close, p->fd);
		if (p->blocks_fd >= 0)
			sys1(NR_close, p->blocks_fd);
	}
	if (im->blocks_fd >= 0)
		sys1(NR_close, im->blocks_fd);
	im->blocks_fd = -1;
}

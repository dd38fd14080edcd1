/*
 * Increments: an image that holds only the pages written since the same
 * process's previous complete snapshot, and inherits the rest from it
 * (CKPT_RUN_INHERIT runs and a PARENT section, see ckpt_image.h).
 *
 * The coordinator's order names where the image will be (`as`) and the
 * process's image in its previous complete snapshot (`parent`). The engine
 * remembers the `as` of the last snapshot whose dirty-page scans it took: an
 * increment is written only when `parent` is that very image, so the scans
 * report exactly what changed since it was captured. Any other case gives a
 * whole image: the first snapshot, one after a snapshot that failed (its `as`
 * never became a parent), a parent deleted meanwhile, a chain at its depth
 * limit, a restarted process or a forked child (nothing remembered, and their
 * memory untracked until their first arm). In mode "hash" there are no scans:
 * the writer finds the unchanged pages by their contents (page_hashes.c).
 *
 * In the pause, with every thread stopped, after the set-aside copies:
 *   1. each private anonymous region (heap, stack, anonymous) is scanned
 *      (dirty.h): its written, dropped and untracked runs become segments,
 *      and the parts no scan reported become SEG_INHERIT where the parent
 *      image had an anonymous region there (elsewhere: untracked, saved as in
 *      a whole image: a region new since the parent is saved whole);
 *   2. ckpt_dirty_arm() protects what is not tracked yet (the engine's own
 *      working memory is shared memory, which it leaves alone);
 *   3. the PARENT section, when anything is inherited.
 * The writer (pages.c) then writes the pages of the written and untracked
 * segments only. Shared memory, regions the fork does not copy (set aside)
 * and file mappings are saved as in a whole image.
 */
#include "layout.h"
#include "dirty.h"
#include "page_hashes.h"
#include "../../writer.h"
#include "../../chunk_writer.h"
#include "../../../include/ckpt_reader.h"
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define PATH_LEN 4096
static char order_as[PATH_LEN], order_parent[PATH_LEN];
/* the `as` of the last snapshot whose scans were taken ("" if none) */
static char last_as[PATH_LEN];
static int order_kills;

void ckpt_mem_take_order(const char *order)
{
	ckpt_chunks_take_order(order); /* "blocks": the computation's store */
	char kill[8] = "";
	ckpt_order_field(order, "kill", kill, sizeof kill);
	order_kills = !strcmp(kill, "true");
	if (!ckpt_order_field(order, "as", order_as, sizeof order_as) || ckpt_strlen(order_as) >= PATH_LEN - 1)
		order_as[0] = 0;
	if (!ckpt_order_field(order, "parent", order_parent, sizeof order_parent) ||
	    ckpt_strlen(order_parent) >= PATH_LEN - 1)
		order_parent[0] = 0;
}

void ckpt_mem_forget_parent(void) { last_as[0] = 0; }

int ckpt_mem_order_forks(void) { return !order_kills && ckpt_background_possible(); }

static int read_at(int fd, void *buf, uint64_t n, uint64_t off)
{
	return SYS4(SYS_pread64, fd, buf, n, off) == (long)n ? 0 : -1;
}

/* The length of s's directory part (up to its last '/' before n), 0 if none. */
static size_t dir_len(const char *s, size_t n)
{
	size_t d = 0;
	for (size_t i = 0; i < n && s[i]; i++)
		if (s[i] == '/')
			d = i + 1;
	return d;
}

/* The parent as the restorer finds it: relative to the directory of the
 * image, so that a snapshot directory may move with its store. */
static void relative_parent(char *out, size_t n, const char *as, const char *parent)
{
	size_t ad = dir_len(as, ~0ul), pd = dir_len(parent, ~0ul);
	if (ad == pd && !memcmp(as, parent, ad)) {
		ckpt_strlcpy(out, parent + pd, n);
		return;
	}
	size_t ag = ad > 1 ? dir_len(as, ad - 1) : 0, pg = pd > 1 ? dir_len(parent, pd - 1) : 0;
	if (ag && ag == pg && !memcmp(as, parent, ag))
		ckpt_fmt(out, n, "../%s", parent + pg); /* sibling snapshot directories */
	else
		ckpt_strlcpy(out, parent, n);
}

/* The parent image's regions (ascending, disjoint) into l->par_regions. */
static int parent_regions(struct layout *l, int fd, const struct ckpt_img_section *mmsec)
{
	struct ckpt_img_memmap mm;
	if (!mmsec || mmsec->size < sizeof mm || read_at(fd, &mm, sizeof mm, mmsec->offset) < 0 ||
	    mm.nregions > MAX_REGIONS || mm.nregions * sizeof(struct ckpt_img_region) > mmsec->size - sizeof mm ||
	    read_at(fd, l->par_regions, mm.nregions * sizeof(struct ckpt_img_region), mmsec->offset + sizeof mm) < 0)
		return -1;
	for (uint32_t i = 0; i < mm.nregions; i++) {
		const struct ckpt_img_region *g = &l->par_regions[i];
		if (g->start >= g->end || (i && g->start < l->par_regions[i - 1].end))
			return -1;
	}
	l->npar_regions = mm.nregions;
	return 0;
}

/* The project's image reader on the parent's fd, its memory carved from the
 * pagemap buffer, free until the writer plans. */
struct parent_io {
	int fd;
	char *buf;
	uint64_t used, cap;
};

static int parent_read(void *ctx, void *buf, uint64_t n, uint64_t off)
{
	return read_at(((struct parent_io *)ctx)->fd, buf, n, off);
}

static void *parent_alloc(void *ctx, uint64_t n)
{
	struct parent_io *p = ctx;
	n = (n + 15) & ~15ull;
	if (n > p->cap - p->used)
		return 0;
	void *at = p->buf + p->used;
	p->used += n;
	return at;
}

/* Reads what an increment needs of its parent: that it is a complete image
 * (its header checksum, which also names it, and its section table, as the
 * restorer checks them), of this process, its depth in its chain, its
 * regions. Returns 0 when an increment may name it. */
static int check_parent(struct layout *l, int fd)
{
	struct stat st;
	if (SYS2(SYS_fstat, fd, &st) < 0)
		return -1;
	struct parent_io io = { fd, (char *)l->pagemap, 0, PAGEMAP_CHUNK * 8 };
	struct ckpt_reader r = { .io = { &io, parent_read, parent_alloc } };
	if (ckr_open(&r, (uint64_t)st.st_size) < 0)
		return -1;
	const struct ckpt_img_section *ps = ckr_find(&r, CKPT_SEC_PROC);
	const struct ckpt_img_section *par = ckr_find(&r, CKPT_SEC_PARENT);
	int32_t vpid;
	struct { uint64_t checksum; int32_t vpid; uint32_t depth; } up = { 0, 0, 0 }; /* ckpt_img_parent's head */
	if (!ps || ps->size < sizeof(struct ckpt_img_proc) || read_at(fd, &vpid, sizeof vpid, ps->offset) < 0 ||
	    vpid != ckpt_rt.vpid || (par && (par->size < sizeof up || read_at(fd, &up, sizeof up, par->offset) < 0)))
		return -1;
	if (up.depth + 1 > CKPT_MAX_CHAIN || parent_regions(l, fd, ckr_find(&r, CKPT_SEC_MEMMAP)) < 0)
		return -1;
	l->parent.header_checksum = r.hdr.header_checksum;
	l->parent.vpid = vpid;
	l->parent.depth = up.depth + 1;
	relative_parent(l->parent.path, sizeof l->parent.path, order_as, order_parent);
	return 0;
}

/* Whether this snapshot may be an increment of the order's parent. */
static int may_inherit(struct layout *l)
{
	if (!order_parent[0] || !order_as[0] || strcmp(order_parent, last_as))
		return 0;
	int fd = (int)SYS3(SYS_open, order_parent, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
	if (fd < 0)
		return 0;
	int ok = check_parent(l, fd) == 0;
	SYS1(SYS_close, fd);
	return ok;
}

/* One region's scan, turned into its segments. */
struct scan_ctx {
	struct layout *l;
	uint64_t first; /* the region's first segment */
	uint64_t pos;   /* where the reported runs have come to */
	uint64_t par;   /* the parent region to look at next */
};

static int add_seg(struct scan_ctx *c, uint64_t s, uint64_t e, uint64_t kind)
{
	struct layout *l = c->l;
	if (s >= e)
		return 0;
	struct segment *last = l->nsegs > c->first ? &l->segs[l->nsegs - 1] : 0;
	if (last && last->end == s && last->kind == kind) {
		last->end = e;
		return 0;
	}
	if (l->nsegs >= SEGS_MAX)
		return -1;
	l->segs[l->nsegs++] = (struct segment){ s, e, kind };
	return 0;
}

static int inheritable(const struct ckpt_img_region *g)
{
	return g->kind == CKPT_MEM_ANON || g->kind == CKPT_MEM_HEAP || g->kind == CKPT_MEM_STACK;
}

/* [a, b) is unchanged since the parent was captured: inherited where the
 * parent has an anonymous region, saved as untracked elsewhere. */
static int add_unchanged(struct scan_ctx *c, uint64_t a, uint64_t b)
{
	const struct ckpt_img_region *par = c->l->par_regions;
	uint64_t n = c->l->npar_regions;
	while (c->par < n && par[c->par].end <= a)
		c->par++;
	for (uint64_t i = c->par; a < b; i++) {
		if (i >= n || par[i].start >= b)
			return add_seg(c, a, b, CKPT_DIRTY_UNTRACKED);
		if (par[i].start > a && add_seg(c, a, par[i].start, CKPT_DIRTY_UNTRACKED) < 0)
			return -1;
		a = par[i].start > a ? par[i].start : a;
		uint64_t e = par[i].end < b ? par[i].end : b;
		if (add_seg(c, a, e, inheritable(&par[i]) ? SEG_INHERIT : CKPT_DIRTY_UNTRACKED) < 0)
			return -1;
		a = e;
	}
	return 0;
}

static int on_run(void *ctx, uint64_t s, uint64_t e, unsigned kind)
{
	struct scan_ctx *c = ctx;
	if ((s > c->pos && add_unchanged(c, c->pos, s) < 0) || add_seg(c, s, e, kind) < 0)
		return 1; /* out of room: the region is saved whole */
	c->pos = e;
	return 0;
}

static int ignore_run(void *ctx, uint64_t s, uint64_t e, unsigned kind) { return 0; }

/* The regions whose pages the scans can vouch for. */
static int scanned(const struct ckpt_img_region *r, const struct region_plan *rp)
{
	return !rp->whole && !rp->aside &&
	       (r->kind == CKPT_MEM_ANON || r->kind == CKPT_MEM_HEAP || r->kind == CKPT_MEM_STACK);
}

/* Scans region i; with `inherit`, records its segments and says whether any
 * part is inherited. */
static int scan_region(struct layout *l, uint64_t i, int inherit)
{
	struct ckpt_img_region *r = &l->regions[i];
	struct region_plan *rp = &l->plan[i];
	if (!inherit) {
		ckpt_dirty_scan(r->start, r->end, ignore_run, 0);
		return 0;
	}
	struct scan_ctx c = { l, l->nsegs, r->start, 0 };
	int rc = ckpt_dirty_scan(r->start, r->end, on_run, &c);
	if (rc == 0 && c.pos < r->end)
		rc = add_unchanged(&c, c.pos, r->end);
	if (rc < 0) { /* cut short: the whole region is read afresh */
		l->nsegs = c.first;
		add_seg(&c, r->start, r->end, CKPT_DIRTY_UNTRACKED);
	}
	rp->incr = 1;
	rp->seg_first = c.first;
	rp->nsegs = l->nsegs - c.first;
	for (uint64_t k = c.first; k < l->nsegs; k++)
		if (l->segs[k].kind == SEG_INHERIT)
			return 1;
	return 0;
}

/* The engine's own library is saved whole (memory.c); its parts that cannot
 * be written hold the same bytes as in the parent when the parent has the
 * same mapping of the same file: inherited, not saved again. */
static int inherit_own_code(struct layout *l, uint64_t i)
{
	const struct ckpt_img_region *r = &l->regions[i];
	struct region_plan *rp = &l->plan[i];
	if (!rp->own || (r->prot & CKPT_PROT_W) || l->nsegs >= SEGS_MAX)
		return 0;
	for (uint64_t k = 0; k < l->npar_regions; k++) {
		const struct ckpt_img_region *g = &l->par_regions[k];
		if (g->start != r->start || g->end != r->end || g->kind != r->kind || g->ino != r->ino ||
		    g->dev != r->dev || g->file_offset != r->file_offset || g->mtime_ns != r->mtime_ns || g->prot != r->prot)
			continue;
		rp->incr = 1;
		rp->seg_first = l->nsegs;
		rp->nsegs = 1;
		l->segs[l->nsegs++] = (struct segment){ r->start, r->end, SEG_INHERIT };
		return 1;
	}
	return 0;
}

static int write_parent(struct ckpt_writer *w, struct layout *l)
{
	if (ckpt_section_begin(w, CKPT_SEC_PARENT, 0) < 0 || ckpt_section_write(w, &l->parent, sizeof l->parent) < 0 ||
	    ckpt_section_end(w) < 0)
		return -1;
	return 0;
}

int ckpt_mem_plan_increment(struct ckpt_writer *w, struct layout *l)
{
	int inherit = may_inherit(l), inherits = 0;
	/* the scans are taken now: only this snapshot can be the next one's base */
	ckpt_strlcpy(last_as, order_as, sizeof last_as);
	if (!ckpt_dirty_why()) {
		for (uint64_t i = 0; i < l->nregions; i++) {
			if (scanned(&l->regions[i], &l->plan[i]))
				inherits |= scan_region(l, i, inherit);
			else if (inherit)
				inherits |= inherit_own_code(l, i);
		}
		ckpt_dirty_arm(); /* the engine's working memory is shared: left alone */
	}
	if (inherits)
		return write_parent(w, l);
	/* a whole image: every region's pages as the page map says */
	for (uint64_t i = 0; i < l->nregions; i++)
		l->plan[i].incr = 0;
	/* mode "hash" (known at the latest after the arm, which finds a
	 * userfaultfd of the program's own): the writer compares the pages it
	 * saves with the parent's (page_hashes.c), and the image names its
	 * parent even if, in the end, no page is the same */
	if (ckpt_dirty_why() && ckpt_hashes_begin(l, order_as, inherit ? order_parent : 0))
		return write_parent(w, l);
	return 0;
}

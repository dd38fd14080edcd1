/*
 * ckpt-inspect --diff A B: compares two images of the same process page by
 * page. Regions are matched by their exact address range; one that exists in
 * only one image (or whose bounds moved) is reported as removed or added.
 * A page's bytes are found by following the chain of parents: a run
 * inherited from the parent (CKPT_RUN_INHERIT) is looked up there, so an
 * increment compares with any image of its process, not only its parent. Two
 * pages held by the same bytes of the same image (both images inheriting
 * them) are equal without reading them; a page in no run is zeros
 * (anonymous) or the file's bytes (private file mapping), and equals another
 * such page. The program's files are compared in files_diff.c. Only what the
 * reader checked is used (include/ckpt_reader.h).
 */
#define _GNU_SOURCE
#include "chain.h"
#include "diff.h"
#include "files_diff.h"
#include "json.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

__attribute__((noreturn)) static void fail(const char *path, const char *msg)
{
	fprintf(stderr, "ckpt-inspect: %s: %s\n", path, msg);
	exit(2);
}

static void read_page(const struct chain *c, struct page_src s, char *buf, const char *what)
{
	if (chain_read_src(c, s, buf))
		fail(what, c->r[s.level].msg[0] ? c->r[s.level].msg : "the image is truncated");
}

/* Whether the page at addr differs between the two images. */
static int page_changed(const struct chain *a, const struct chain *b, uint64_t addr, const char *what)
{
	static char pa[CKPT_PAGE], pb[CKPT_PAGE];
	struct page_src sa = chain_page_src(a, addr), sb = chain_page_src(b, addr);
	if (sa.off == HOLE && sb.off == HOLE)
		return 0;
	if (sa.off != HOLE && sb.off != HOLE && sa.off == sb.off &&
	    a->r[sa.level].hdr.header_checksum == b->r[sb.level].hdr.header_checksum)
		return 0; /* the same bytes of the same image */
	read_page(a, sa, pa, what);
	read_page(b, sb, pb, what);
	return memcmp(pa, pb, CKPT_PAGE) != 0;
}

static void json_region(const struct ckpt_reader *r, const struct ckpt_img_region *g)
{
	printf("{\"start\":\"0x%lx\",\"end\":\"0x%lx\",\"kind\":\"%s\",\"path\":", (unsigned long)g->start,
	       (unsigned long)g->end, json_mem_kind(g->kind));
	json_str(stdout, ckr_region_path(r, g));
	printf(",\"pages\":%lu", (unsigned long)((g->end - g->start) / CKPT_PAGE));
}

/* One region in both images: its changed pages as [first, count] runs. */
static uint64_t diff_region(const struct chain *a, const struct chain *b, const struct ckpt_img_region *g,
			    const char *what)
{
	uint64_t total = 0, npages = (g->end - g->start) / CKPT_PAGE, run = 0;
	int first = 1;
	/* g is the second image's: its path is in that image's strings, not the first's. */
	json_region(&b->r[0], g);
	printf(",\"changed\":[");
	for (uint64_t i = 0; i <= npages; i++) {
		int ch = i < npages && page_changed(a, b, g->start + i * CKPT_PAGE, what);
		total += (uint64_t)ch;
		if (ch) {
			run++;
			continue;
		}
		if (run)
			printf("%s[%lu,%lu]", first ? "" : ",", (unsigned long)(i - run), (unsigned long)run);
		first = first && !run;
		run = 0;
	}
	printf("],\"changedPages\":%lu}", (unsigned long)total);
	return total;
}

static const struct ckpt_img_region *same_range(const struct ckpt_reader *r, const struct ckpt_img_region *g)
{
	for (uint32_t i = 0; i < r->mm->nregions; i++)
		if (r->regions[i].start == g->start && r->regions[i].end == g->end)
			return &r->regions[i];
	return 0;
}

/* The regions of x with no region of the same range in y. */
static void unmatched(const char *name, const struct ckpt_reader *x, const struct ckpt_reader *y)
{
	printf(",\"%s\":[", name);
	int first = 1;
	for (uint32_t i = 0; i < x->mm->nregions; i++) {
		if (same_range(y, &x->regions[i]))
			continue;
		printf("%s", first ? "" : ",");
		json_region(x, &x->regions[i]);
		putchar('}');
		first = 0;
	}
	putchar(']');
}

static int has_thread(const struct ckpt_reader *r, int32_t vtid)
{
	for (uint32_t i = 0; i < r->nthreads; i++)
		if (r->threads[i].vtid == vtid)
			return 1;
	return 0;
}

static void thread_list(const char *name, const struct ckpt_reader *x, const struct ckpt_reader *y, int want)
{
	printf("%s\"%s\":[", strcmp(name, "added") ? "," : "", name);
	int first = 1;
	for (uint32_t i = 0; i < x->nthreads; i++) {
		if (has_thread(y, x->threads[i].vtid) != want)
			continue;
		printf("%s{\"vtid\":%d,\"name\":", first ? "" : ",", x->threads[i].vtid);
		json_str(stdout, x->threads[i].comm);
		putchar('}');
		first = 0;
	}
	putchar(']');
}

int diff_main(const char *pa, const char *pb)
{
	static struct chain a, b;
	chain_load(&a, pa);
	chain_load(&b, pb);
	const struct ckpt_reader *ra = &a.r[0], *rb = &b.r[0];
	if (ra->proc->vpid != rb->proc->vpid)
		fail(pb, "not an image of the same process (another pid)");
	/* checked before anything is printed: a damaged one is one line on stderr, no JSON */
	struct ckpt_files fa, fb;
	if (ckpt_files_read(&a.r[0], &fa))
		fail(pa, a.r[0].msg);
	if (ckpt_files_read(&b.r[0], &fb))
		fail(pb, b.r[0].msg);
	chain_check_blocks(&a);
	chain_check_blocks(&b);
	printf("{\"vpid\":%d,\"pageSize\":%lu,\"regions\":[", ra->proc->vpid, CKPT_PAGE);
	uint64_t total = 0;
	int first = 1;
	for (uint32_t i = 0; i < rb->mm->nregions; i++) {
		const struct ckpt_img_region *g = &rb->regions[i];
		if (!same_range(ra, g))
			continue;
		printf("%s", first ? "" : ",");
		total += diff_region(&a, &b, g, pb);
		first = 0;
	}
	putchar(']');
	unmatched("added", rb, ra);
	unmatched("removed", ra, rb);
	printf(",\"threads\":{");
	thread_list("added", rb, ra, 0);
	thread_list("removed", ra, rb, 0);
	thread_list("same", rb, ra, 1);
	putchar('}');
	diff_files(stdout, &fa, &fb);
	printf(",\"changedPages\":%lu}\n", (unsigned long)total);
	return fflush(stdout) ? 2 : 0;
}

/*
 * mkincr CHILD PARENT_FULL PARENT_REF OUT: writes OUT, the complete image
 * CHILD as an increment of PARENT_REF. Every saved page of CHILD that holds
 * the same bytes in PARENT_FULL (a complete image with the same contents as
 * PARENT_REF, which may itself be an increment) becomes an inherited run; the
 * others stay in OUT. Every other section is copied as it is. The PARENT
 * section names PARENT_REF relative to OUT's directory. Prints
 * "kept N inherited M" (pages).
 */
#define _GNU_SOURCE
#include "../../../native/include/ckpt_hash.h"
#include "../../../native/include/ckpt_image.h"
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct img {
	int fd;
	struct ckpt_img_header h;
	struct ckpt_img_section *sec;
	struct ckpt_img_memmap *mm;
	struct ckpt_img_region *regions;
	struct ckpt_img_run *runs;
	uint64_t memdata_off;
	struct ckpt_img_parent *parent;
};

static void die(const char *a, const char *b)
{
	fprintf(stderr, "mkincr: %s%s\n", a, b ? b : "");
	exit(2);
}

static void *load(int fd, uint64_t off, uint64_t n)
{
	char *b = malloc(n + 1);
	if (!b || pread(fd, b, n, (off_t)off) != (ssize_t)n)
		die("cannot read an image", 0);
	return b;
}

static void open_img(struct img *im, const char *path)
{
	memset(im, 0, sizeof *im);
	im->fd = open(path, O_RDONLY);
	if (im->fd < 0)
		die("cannot open ", path);
	struct ckpt_img_header *h = load(im->fd, 0, sizeof *h);
	im->h = *h;
	im->sec = load(im->fd, h->table_offset, h->nsections * sizeof *im->sec);
	for (uint32_t i = 0; i < h->nsections; i++) {
		struct ckpt_img_section *s = &im->sec[i];
		if (s->type == CKPT_SEC_MEMMAP) {
			im->mm = load(im->fd, s->offset, s->size);
			im->regions = (struct ckpt_img_region *)(im->mm + 1);
			im->runs = (struct ckpt_img_run *)(im->regions + im->mm->nregions);
		} else if (s->type == CKPT_SEC_MEMDATA) {
			im->memdata_off = s->offset;
		} else if (s->type == CKPT_SEC_PARENT) {
			im->parent = load(im->fd, s->offset, s->size);
		}
	}
	if (!im->mm)
		die("no memory map in ", path);
}

/* The page at addr of a complete image, or 0 if it has none saved. */
static int page_of(struct img *im, uint64_t addr, char *buf)
{
	for (uint64_t k = 0; k < im->mm->nruns; k++) {
		struct ckpt_img_run *r = &im->runs[k];
		if (addr >= r->addr && addr < r->addr + r->npages * CKPT_PAGE) {
			if (r->data_offset == CKPT_RUN_INHERIT)
				die("PARENT_FULL must be a complete image", 0);
			return pread(im->fd, buf, CKPT_PAGE, (off_t)(im->memdata_off + r->data_offset + addr - r->addr)) ==
			       (ssize_t)CKPT_PAGE;
		}
	}
	return 0;
}

struct out {
	FILE *f;
	uint64_t pos;
};

static void put(struct out *o, const void *p, uint64_t n)
{
	if (n && fwrite(p, 1, n, o->f) != n)
		die("cannot write the output", 0);
	o->pos += n;
}

static void pad_to(struct out *o, uint64_t align)
{
	static const char zeros[CKPT_PAGE];
	put(o, zeros, (align - o->pos % align) % align);
}

/* Appends a run of one page to runs (merging with the last of its kind in
 * the same region, whose runs start at `first`). */
static void add_run(struct ckpt_img_run *runs, uint64_t *n, uint64_t first, uint64_t addr, uint64_t off, int inherit)
{
	struct ckpt_img_run *last = *n > first ? &runs[*n - 1] : 0;
	if (last && last->addr + last->npages * CKPT_PAGE == addr &&
	    (inherit ? last->data_offset == CKPT_RUN_INHERIT
		     : last->data_offset != CKPT_RUN_INHERIT && last->data_offset + last->npages * CKPT_PAGE == off)) {
		last->npages++;
		return;
	}
	runs[(*n)++] = (struct ckpt_img_run){ addr, 1, inherit ? CKPT_RUN_INHERIT : off };
}

int main(int argc, char **argv)
{
	if (argc != 5)
		die("usage: mkincr CHILD PARENT_FULL PARENT_REF OUT", 0);
	struct img c, pf, pr;
	open_img(&c, argv[1]);
	open_img(&pf, argv[2]);
	open_img(&pr, argv[3]);
	struct out o = { fopen(argv[4], "w"), 0 };
	if (!o.f)
		die("cannot create ", argv[4]);
	uint32_t ns = c.h.nsections;
	struct ckpt_img_section *sec = calloc(ns + 1, sizeof *sec);
	pad_to(&o, CKPT_IMG_HEADER_SIZE);
	if (!o.pos) /* the header's room */
		put(&o, (char[CKPT_IMG_HEADER_SIZE]){ 0 }, CKPT_IMG_HEADER_SIZE);
	/* the pages: kept where they differ from the parent's */
	uint64_t nruns = 0, kept = 0, inherited = 0, total = 0;
	for (uint64_t k = 0; k < c.mm->nruns; k++)
		total += c.runs[k].npages;
	struct ckpt_img_run *runs = calloc(total + 1, sizeof *runs);
	char cp[CKPT_PAGE], pp[CKPT_PAGE];
	struct ckpt_chunked_hash dh;
	ckpt_chunked_init(&dh);
	uint32_t out_sec = 0;
	uint64_t data_start = o.pos, data_size = 0;
	for (uint32_t i = 0; i < c.mm->nregions; i++) {
		struct ckpt_img_region *r = &c.regions[i];
		uint64_t first = nruns;
		r->saved_bytes = 0;
		for (uint64_t k = r->first_run; k < r->first_run + r->nruns; k++) {
			struct ckpt_img_run *run = &c.runs[k];
			for (uint64_t p = 0; p < run->npages; p++) {
				uint64_t addr = run->addr + p * CKPT_PAGE;
				if (pread(c.fd, cp, CKPT_PAGE, (off_t)(c.memdata_off + run->data_offset + p * CKPT_PAGE)) !=
				    (ssize_t)CKPT_PAGE)
					die("cannot read ", argv[1]);
				int same = r->kind != CKPT_MEM_SHARED_ANON && r->kind != CKPT_MEM_FILE && page_of(&pf, addr, pp) &&
					   !memcmp(cp, pp, CKPT_PAGE);
				add_run(runs, &nruns, first, addr, data_size, same);
				if (same) {
					inherited++;
					continue;
				}
				put(&o, cp, CKPT_PAGE);
				ckpt_chunked_update(&dh, cp, CKPT_PAGE);
				data_size += CKPT_PAGE;
				r->saved_bytes += CKPT_PAGE;
				kept++;
			}
		}
		r->first_run = first;
		r->nruns = nruns - first;
	}
	sec[out_sec++] = (struct ckpt_img_section){ CKPT_SEC_MEMDATA, 0, data_start, data_size, ckpt_chunked_final(&dh), "" };
	/* every other section as it was; the memory map anew; the parent */
	for (uint32_t i = 0; i < ns; i++) {
		struct ckpt_img_section s = c.sec[i];
		if (s.type == CKPT_SEC_MEMDATA || s.type == CKPT_SEC_PARENT)
			continue;
		char *b;
		if (s.type == CKPT_SEC_MEMMAP) {
			struct ckpt_img_memmap mm = *c.mm;
			mm.nruns = nruns;
			s.size = sizeof mm + mm.nregions * sizeof *c.regions + nruns * sizeof *runs + mm.strings_size;
			b = malloc(s.size);
			char *q = b;
			memcpy(q, &mm, sizeof mm), q += sizeof mm;
			memcpy(q, c.regions, mm.nregions * sizeof *c.regions), q += mm.nregions * sizeof *c.regions;
			memcpy(q, runs, nruns * sizeof *runs), q += nruns * sizeof *runs;
			memcpy(q, (char *)(c.runs + c.mm->nruns), mm.strings_size);
			s.checksum = ckpt_hash_buf(b, s.size);
		} else {
			b = load(c.fd, s.offset, s.size);
		}
		s.offset = o.pos;
		put(&o, b, s.size);
		sec[out_sec++] = s;
	}
	struct ckpt_img_parent par = { pr.h.header_checksum, 0, pr.parent ? pr.parent->depth + 1 : 1, "" };
	for (uint32_t i = 0; i < pr.h.nsections; i++)
		if (pr.sec[i].type == CKPT_SEC_PROC)
			par.vpid = ((struct ckpt_img_proc *)load(pr.fd, pr.sec[i].offset, sizeof(struct ckpt_img_proc)))->vpid;
	char *out_dir = dirname(realpath(argv[4], 0));
	char *ref = realpath(argv[3], 0);
	size_t dl = strlen(out_dir);
	/* sibling directories of one snapshot store: "../ID/pN.img" */
	char *ref_dir = dirname(strdup(ref));
	char *common = dirname(strdup(out_dir));
	if (strcmp(ref_dir, out_dir) == 0)
		snprintf(par.path, sizeof par.path, "%s", ref + dl + 1);
	else if (strncmp(ref, common, strlen(common)) == 0)
		snprintf(par.path, sizeof par.path, "../%s", ref + strlen(common) + 1);
	else
		snprintf(par.path, sizeof par.path, "%s", ref);
	sec[out_sec++] = (struct ckpt_img_section){ CKPT_SEC_PARENT, 0, o.pos, sizeof par, ckpt_hash_buf(&par, sizeof par), "" };
	put(&o, &par, sizeof par);
	struct ckpt_img_header h = c.h;
	h.version = CKPT_IMG_VERSION;
	h.nsections = out_sec;
	h.table_offset = o.pos;
	h.file_size = o.pos + out_sec * sizeof *sec;
	h.header_checksum = 0;
	struct ckpt_hash hh;
	ckpt_hash_init(&hh);
	ckpt_hash_update(&hh, &h, sizeof h);
	ckpt_hash_update(&hh, sec, out_sec * sizeof *sec);
	h.header_checksum = ckpt_hash_final(&hh);
	put(&o, sec, out_sec * sizeof *sec);
	fseek(o.f, 0, SEEK_SET);
	fwrite(&h, sizeof h, 1, o.f);
	if (fclose(o.f))
		die("cannot write the output", 0);
	printf("kept %lu inherited %lu\n", (unsigned long)kept, (unsigned long)inherited);
	return 0;
}

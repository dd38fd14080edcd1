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

struct pages {
	struct ckpt_img_run *runs;
	uint64_t nruns, kept, inherited;
};

/* The memory contents: each page kept where it differs from the parent's. */
static struct ckpt_img_section write_pages(struct img *c, struct img *pf, struct out *o, struct pages *pg)
{
	uint64_t total = 0, data_start = o->pos, data_size = 0;
	for (uint64_t k = 0; k < c->mm->nruns; k++)
		total += c->runs[k].npages;
	pg->runs = calloc(total + 1, sizeof *pg->runs);
	char cp[CKPT_PAGE], pp[CKPT_PAGE];
	struct ckpt_chunked_hash dh;
	ckpt_chunked_init(&dh);
	for (uint32_t i = 0; i < c->mm->nregions; i++) {
		struct ckpt_img_region *r = &c->regions[i];
		uint64_t first = pg->nruns;
		r->saved_bytes = 0;
		for (uint64_t k = r->first_run; k < r->first_run + r->nruns; k++) {
			struct ckpt_img_run *run = &c->runs[k];
			for (uint64_t p = 0; p < run->npages; p++) {
				uint64_t addr = run->addr + p * CKPT_PAGE;
				if (pread(c->fd, cp, CKPT_PAGE, (off_t)(c->memdata_off + run->data_offset + p * CKPT_PAGE)) !=
				    (ssize_t)CKPT_PAGE)
					die("cannot read the child image", 0);
				/* shared memory and private file pages are never inherited */
				int same = r->kind != CKPT_MEM_SHARED_ANON && r->kind != CKPT_MEM_FILE && page_of(pf, addr, pp) &&
					   !memcmp(cp, pp, CKPT_PAGE);
				add_run(pg->runs, &pg->nruns, first, addr, data_size, same);
				if (same) {
					pg->inherited++;
					continue;
				}
				put(o, cp, CKPT_PAGE);
				ckpt_chunked_update(&dh, cp, CKPT_PAGE);
				data_size += CKPT_PAGE;
				r->saved_bytes += CKPT_PAGE;
				pg->kept++;
			}
		}
		r->first_run = first;
		r->nruns = pg->nruns - first;
	}
	return (struct ckpt_img_section){ CKPT_SEC_MEMDATA, 0, data_start, data_size, ckpt_chunked_final(&dh), "" };
}

/* Every other section as it was, the memory map anew; appended to sec. */
static void write_sections(struct img *c, struct out *o, struct pages *pg, struct ckpt_img_section *sec, uint32_t *n)
{
	for (uint32_t i = 0; i < c->h.nsections; i++) {
		struct ckpt_img_section s = c->sec[i];
		if (s.type == CKPT_SEC_MEMDATA || s.type == CKPT_SEC_PARENT)
			continue;
		char *b;
		if (s.type == CKPT_SEC_MEMMAP) {
			struct ckpt_img_memmap mm = *c->mm;
			mm.nruns = pg->nruns;
			s.size = sizeof mm + mm.nregions * sizeof *c->regions + pg->nruns * sizeof *pg->runs + mm.strings_size;
			b = malloc(s.size);
			char *q = b;
			memcpy(q, &mm, sizeof mm), q += sizeof mm;
			memcpy(q, c->regions, mm.nregions * sizeof *c->regions), q += mm.nregions * sizeof *c->regions;
			memcpy(q, pg->runs, pg->nruns * sizeof *pg->runs), q += pg->nruns * sizeof *pg->runs;
			memcpy(q, (char *)(c->runs + c->mm->nruns), mm.strings_size);
			s.checksum = ckpt_hash_buf(b, s.size);
		} else {
			b = load(c->fd, s.offset, s.size);
		}
		s.offset = o->pos;
		put(o, b, s.size);
		sec[(*n)++] = s;
	}
}

/* The parent record: PARENT_REF relative to OUT's directory. */
static void parent_record(struct img *pr, const char *ref_path, const char *out_path, struct ckpt_img_parent *par)
{
	*par = (struct ckpt_img_parent){ pr->h.header_checksum, 0, pr->parent ? pr->parent->depth + 1 : 1, "" };
	for (uint32_t i = 0; i < pr->h.nsections; i++)
		if (pr->sec[i].type == CKPT_SEC_PROC)
			par->vpid = ((struct ckpt_img_proc *)load(pr->fd, pr->sec[i].offset, sizeof(struct ckpt_img_proc)))->vpid;
	char *out_dir = dirname(realpath(out_path, 0));
	char *ref = realpath(ref_path, 0);
	/* sibling directories of one snapshot store: "../ID/pN.img" */
	char *ref_dir = dirname(strdup(ref));
	char *common = dirname(strdup(out_dir));
	if (strcmp(ref_dir, out_dir) == 0)
		snprintf(par->path, sizeof par->path, "%s", ref + strlen(out_dir) + 1);
	else if (strncmp(ref, common, strlen(common)) == 0)
		snprintf(par->path, sizeof par->path, "../%s", ref + strlen(common) + 1);
	else
		snprintf(par->path, sizeof par->path, "%s", ref);
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
	struct ckpt_img_section *sec = calloc(c.h.nsections + 1, sizeof *sec);
	put(&o, (char[CKPT_IMG_HEADER_SIZE]){ 0 }, CKPT_IMG_HEADER_SIZE); /* the header's room */
	struct pages pg = { 0 };
	uint32_t nsec = 0;
	sec[nsec++] = write_pages(&c, &pf, &o, &pg);
	write_sections(&c, &o, &pg, sec, &nsec);
	struct ckpt_img_parent par;
	parent_record(&pr, argv[3], argv[4], &par);
	sec[nsec++] = (struct ckpt_img_section){ CKPT_SEC_PARENT, 0, o.pos, sizeof par, ckpt_hash_buf(&par, sizeof par), "" };
	put(&o, &par, sizeof par);
	struct ckpt_img_header h = c.h;
	h.version = CKPT_IMG_VERSION;
	h.nsections = nsec;
	h.table_offset = o.pos;
	h.file_size = o.pos + nsec * sizeof *sec;
	h.header_checksum = 0;
	struct ckpt_hash hh;
	ckpt_hash_init(&hh);
	ckpt_hash_update(&hh, &h, sizeof h);
	ckpt_hash_update(&hh, sec, nsec * sizeof *sec);
	h.header_checksum = ckpt_hash_final(&hh);
	put(&o, sec, nsec * sizeof *sec);
	fseek(o.f, 0, SEEK_SET);
	fwrite(&h, sizeof h, 1, o.f);
	if (fclose(o.f))
		die("cannot write the output", 0);
	printf("kept %lu inherited %lu\n", (unsigned long)pg.kept, (unsigned long)pg.inherited);
	return 0;
}

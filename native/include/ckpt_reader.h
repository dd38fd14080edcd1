/*
 * The one reader of images, shared by the restorer (freestanding, no libc)
 * and the inspector. It trusts nothing in the file: checksums guard against
 * accidents, not against someone who hands over a crafted snapshot, so every
 * offset and size is checked without overflow, every count against the bytes
 * of its section, every string offset against the string table, and every
 * fixed-size string is NUL-terminated before anyone reads it.
 *
 * The caller supplies the I/O (struct ckpt_reader_io); each step returns 0,
 * or -1 with one line naming the problem in r->msg. Building with
 * CKPT_READER_NO_CHECKSUM skips the checksum comparisons, for the fuzz target.
 */
#ifndef CKPT_READER_H
#define CKPT_READER_H
#include "ckpt_hash.h"
#include "ckpt_image.h"
#include "ckpt_decimal.h"
#include "ckpt_runtime.h"

struct ckpt_fd;

struct ckpt_reader_io {
	void *ctx;
	/* reads exactly n bytes at off: 0, or -1 if the file ends first */
	int (*read)(void *ctx, void *buf, uint64_t n, uint64_t off);
	/* n bytes, or 0 if there is no memory for them */
	void *(*alloc)(void *ctx, uint64_t n);
	/* block `name` of the image's blocks folder, a plain file of n bytes,
	 * read into buf (0: only checked): 0, -1 if it is missing, -2 if it is
	 * not a plain file of n bytes, -3 if it cannot be read. Optional: an
	 * image whose pages are in blocks cannot be read without it */
	int (*block)(void *ctx, const char *name, void *buf, uint64_t n);
};

struct ckpt_reader {
	struct ckpt_reader_io io;
	char msg[160];
	struct ckpt_img_header hdr;
	struct ckpt_img_section *sec;
	struct ckpt_img_proc *proc;
	struct ckpt_img_thread *threads;
	uint32_t nthreads;
	struct ckpt_img_signals *signals;
	struct ckpt_fd *fds; /* in one form whatever the image's version (ckpt_reader_fds.h) */
	uint32_t nfds;
	char *fds_raw; /* the FDS section's bytes */
	uint64_t fds_raw_size;
	struct ckpt_img_memmap *mm;
	struct ckpt_img_region *regions;
	struct ckpt_img_run *runs;
	const char *strings;
	void *auxv;
	uint32_t auxv_size;
	struct ckpt_img_section *memdata;
	/* the memory contents: their size, and their chunks if stored in chunks
	 * (ckpt_reader_chunks.h); ckr_data_read's cache of one chunk */
	uint64_t data_size;
	struct ckpt_img_memchunk *chunks;
	uint64_t nchunks;
	uint64_t chunk_cached;
	char *chunk_buf, *chunk_frame;
	struct ZSTD_DCtx_s *chunk_dctx;
	const char *fddata;
	uint64_t fddata_size;
	struct ckpt_img_zombie *zombies;
	uint32_t nzombies;
	struct ckpt_img_lock *locks;
	uint32_t nlocks;
	struct ckpt_img_parent *parent_rec; /* an increment's parent, or 0 */
};

#ifdef CKPT_READER_NO_CHECKSUM
#define CKR_SUM_BAD(got, want) ((void)(got), (void)(want), 0)
#else
#define CKR_SUM_BAD(got, want) ((got) != (want))
#endif

/* r->msg = a b c (any may be 0); always -1, for `return ckr_fail(...)` */
static inline int ckr_fail(struct ckpt_reader *r, const char *a, const char *b, const char *c)
{
	const char *parts[3] = { a, b, c };
	uint32_t n = 0;
	for (int i = 0; i < 3; i++)
		for (const char *s = parts[i]; s && *s && n < sizeof r->msg - 1; s++)
			r->msg[n++] = *s;
	r->msg[n] = 0;
	return -1;
}

/* r->msg = a, the decimal v, b */
static inline int ckr_fail_num(struct ckpt_reader *r, const char *a, uint64_t v, const char *b)
{
	char digits[24];
	return ckr_fail(r, a, ckpt_decimal(digits, v), b);
}

static inline const char *ckr_section_name(uint32_t type)
{
	switch (type) {
	case CKPT_SEC_PROC: return "process";
	case CKPT_SEC_THREADS: return "threads";
	case CKPT_SEC_SIGNALS: return "signals";
	case CKPT_SEC_FDS: return "files";
	case CKPT_SEC_MEMMAP: return "memory map";
	case CKPT_SEC_MEMDATA: return "memory contents";
	case CKPT_SEC_AUXV: return "auxiliary vector";
	case CKPT_SEC_FDDATA: return "pipe contents";
	case CKPT_SEC_ZOMBIES: return "exited children";
	case CKPT_SEC_LOCKS: return "file locks";
	case CKPT_SEC_PARENT: return "parent";
	case CKPT_SEC_MEMCHUNKS: return "memory chunks";
	case CKPT_SEC_FILES: return "saved files";
	default: return "plugin";
	}
}

static inline struct ckpt_img_section *ckr_find(const struct ckpt_reader *r, uint32_t type)
{
	for (uint32_t i = 0; i < r->hdr.nsections; i++)
		if (r->sec[i].type == type)
			return &r->sec[i];
	return 0;
}

/* [off, off + size) lies inside [lo, hi), computed without overflow */
static inline int ckr_inside(uint64_t off, uint64_t size, uint64_t lo, uint64_t hi)
{
	return off >= lo && off <= hi && size <= hi - off;
}

static inline int ckr_check_table(struct ckpt_reader *r)
{
	const struct ckpt_img_header *h = &r->hdr;
	for (uint32_t i = 0; i < h->nsections; i++) {
		struct ckpt_img_section *s = &r->sec[i];
		if (!ckr_inside(s->offset, s->size, CKPT_IMG_HEADER_SIZE, h->table_offset))
			return ckr_fail(r, "a section lies outside the image", 0, 0);
		s->name[sizeof s->name - 1] = 0;
		for (uint32_t k = 0; k < i; k++)
			if (s->type == r->sec[k].type && s->type != CKPT_SEC_PLUGIN)
				return ckr_fail(r, "the image's section table is corrupt (the ", ckr_section_name(s->type),
						" section twice)");
	}
	return 0;
}

/* The header and the section table: everything else is found through them. */
static inline int ckr_open(struct ckpt_reader *r, uint64_t file_size)
{
	struct ckpt_img_header *h = &r->hdr;
	if (file_size < sizeof *h)
		return ckr_fail(r, "not an image: the file is too short", 0, 0);
	if (r->io.read(r->io.ctx, h, sizeof *h, 0))
		return ckr_fail(r, "the image is truncated", 0, 0);
	for (int i = 0; i < 8; i++)
		if (h->magic[i] != CKPT_IMG_MAGIC[i])
			return ckr_fail(r, "not an image (wrong magic)", 0, 0);
	if (h->version < CKPT_IMG_VERSION_MIN || h->version > CKPT_IMG_VERSION)
		return ckr_fail_num(r, "unsupported image version ", h->version, "");
	if (h->arch != CKPT_IMG_ARCH_X86_64)
		return ckr_fail_num(r, "the image is for another architecture (ELF machine ", h->arch,
				    "), this is x86_64");
	if (h->file_size != file_size)
		return ckr_fail(r, "the image is truncated or has extra bytes (size differs from its header)", 0, 0);
	uint64_t tlen = (uint64_t)h->nsections * sizeof(struct ckpt_img_section);
	if (!h->nsections || h->nsections > 64 || h->table_offset < CKPT_IMG_HEADER_SIZE ||
	    h->table_offset > file_size || file_size - h->table_offset != tlen)
		return ckr_fail(r, "the image's section table is corrupt", 0, 0);
	r->sec = r->io.alloc(r->io.ctx, tlen);
	if (!r->sec)
		return ckr_fail(r, "out of memory for the section table", 0, 0);
	if (r->io.read(r->io.ctx, r->sec, tlen, h->table_offset))
		return ckr_fail(r, "the image is truncated", 0, 0);
	struct ckpt_img_header hz = *h;
	hz.header_checksum = 0;
	struct ckpt_hash hh;
	ckpt_hash_init(&hh);
	ckpt_hash_update(&hh, &hz, sizeof hz);
	ckpt_hash_update(&hh, r->sec, tlen);
	if (CKR_SUM_BAD(ckpt_hash_final(&hh), h->header_checksum))
		return ckr_fail(r, "the image's header is corrupt (checksum mismatch)", 0, 0);
	return ckr_check_table(r);
}

/* One section's bytes, checked against its checksum, with a NUL after them. */
static inline void *ckr_load(struct ckpt_reader *r, const struct ckpt_img_section *s)
{
	char *buf = r->io.alloc(r->io.ctx, s->size + 1);
	if (!buf) {
		ckr_fail(r, "the ", ckr_section_name(s->type), " section is too large for memory");
		return 0;
	}
	if (r->io.read(r->io.ctx, buf, s->size, s->offset)) {
		ckr_fail(r, "the image is truncated", 0, 0);
		return 0;
	}
	buf[s->size] = 0;
	if (CKR_SUM_BAD(ckpt_hash_buf(buf, s->size), s->checksum)) {
		ckr_fail(r, "the ", ckr_section_name(s->type), " section is corrupt (checksum mismatch)");
		return 0;
	}
	return buf;
}

/* Section `type` as an array of `unit`-byte entries: *out and its count.
 * Optional sections may be missing (count 0); at least `min` entries. */
static inline int ckr_array(struct ckpt_reader *r, uint32_t type, uint64_t unit, uint32_t min, int optional,
			    void **out, uint64_t *count)
{
	struct ckpt_img_section *s = ckr_find(r, type);
	*out = 0;
	*count = 0;
	if (!s)
		return optional ? 0 : ckr_fail(r, "the image has no ", ckr_section_name(type), " section");
	if (s->size < unit * min)
		return ckr_fail(r, "the ", ckr_section_name(type), " section is too short");
	if (s->size % unit)
		return ckr_fail(r, "the ", ckr_section_name(type), " section is corrupt (a partial entry)");
	if (!(*out = ckr_load(r, s)))
		return -1;
	*count = s->size / unit;
	return 0;
}

#include "ckpt_reader_chunks.h"

/* The memory map: counts against the section's bytes, regions against the
 * runs and strings, runs against their regions and the memory contents. */
static inline int ckr_memmap_layout(struct ckpt_reader *r, uint64_t size)
{
	struct ckpt_img_memmap *mm = r->mm;
	uint64_t rest = size - sizeof *mm;
	if (mm->nregions > rest / sizeof(struct ckpt_img_region))
		return ckr_fail(r, "the memory map section is corrupt (more regions than bytes)", 0, 0);
	rest -= mm->nregions * sizeof(struct ckpt_img_region);
	if (mm->nruns > rest / sizeof(struct ckpt_img_run))
		return ckr_fail(r, "the memory map section is corrupt (more page runs than bytes)", 0, 0);
	rest -= mm->nruns * sizeof(struct ckpt_img_run);
	if (mm->strings_size != rest)
		return ckr_fail(r, "the memory map section is corrupt", 0, 0);
	r->regions = (struct ckpt_img_region *)(mm + 1);
	r->runs = (struct ckpt_img_run *)(r->regions + mm->nregions);
	r->strings = (const char *)(r->runs + mm->nruns); /* ckr_load put a NUL after them */
	return 0;
}

static inline int ckr_memmap_entries(struct ckpt_reader *r)
{
	const struct ckpt_img_memmap *mm = r->mm;
	for (uint64_t i = 0; i < mm->nruns; i++) {
		const struct ckpt_img_run *run = &r->runs[i];
		/* an inherited run has its pages in the parent image, not here */
		int inherited = run->data_offset == CKPT_RUN_INHERIT && r->parent_rec;
		if (run->addr % CKPT_PAGE || run->npages > (~0ull - run->addr) / CKPT_PAGE ||
		    (!inherited && !ckr_inside(run->data_offset, run->npages * CKPT_PAGE, 0, r->data_size)))
			return ckr_fail(r, "the memory map section is inconsistent (a page run outside the data)", 0, 0);
	}
	for (uint32_t i = 0; i < mm->nregions; i++) {
		const struct ckpt_img_region *g = &r->regions[i];
		if (g->start >= g->end || (g->start | g->end) % CKPT_PAGE || g->nruns > mm->nruns ||
		    g->first_run > mm->nruns - g->nruns)
			return ckr_fail(r, "the memory map section is inconsistent", 0, 0);
		if (g->path != ~0ull && g->path >= mm->strings_size)
			return ckr_fail(r, "the memory map section is inconsistent (a path outside the strings)", 0, 0);
		for (uint64_t k = 0; k < g->nruns; k++) {
			const struct ckpt_img_run *run = &r->runs[g->first_run + k];
			if (!ckr_inside(run->addr, run->npages * CKPT_PAGE, g->start, g->end))
				return ckr_fail(r, "the memory map section is inconsistent", 0, 0);
		}
	}
	return 0;
}

static inline int ckr_memmap(struct ckpt_reader *r)
{
	struct ckpt_img_section *s = ckr_find(r, CKPT_SEC_MEMMAP);
	if (!s)
		return ckr_fail(r, "the image has no memory map section", 0, 0);
	if (s->size < sizeof *r->mm)
		return ckr_fail(r, "the memory map section is too short", 0, 0);
	r->memdata = ckr_find(r, CKPT_SEC_MEMDATA);
	if (!r->memdata)
		return ckr_fail(r, "the image has no memory contents section", 0, 0);
	if (ckr_memchunks(r) || !(r->mm = ckr_load(r, s)) || ckr_memmap_layout(r, s->size))
		return -1;
	return ckr_memmap_entries(r);
}

/* The strings of fixed size end inside their arrays, and counts stay inside theirs. */
static inline int ckr_process(struct ckpt_reader *r)
{
	struct ckpt_img_proc *p = r->proc;
	p->comm[sizeof p->comm - 1] = 0;
	p->cwd[sizeof p->cwd - 1] = 0;
	p->exe[sizeof p->exe - 1] = 0;
	if (p->rlimit_count > sizeof p->rlimits / sizeof p->rlimits[0])
		return ckr_fail(r, "the process section is inconsistent (too many resource limits)", 0, 0);
	if (!r->nthreads || r->nthreads > CKPT_MAX_THREADS)
		return ckr_fail(r, "the image has no threads", 0, 0);
	for (uint32_t i = 0; i < r->nthreads; i++) {
		struct ckpt_img_thread *t = &r->threads[i];
		t->comm[sizeof t->comm - 1] = 0;
		if (t->slot >= CKPT_MAX_THREADS || t->npending_info > sizeof t->pending_info / sizeof t->pending_info[0])
			return ckr_fail(r, "the threads section is inconsistent", 0, 0);
	}
	const struct ckpt_img_signals *sg = r->signals;
	if (sg->nshared_info > sizeof sg->shared_info / sizeof sg->shared_info[0] ||
	    sg->ntimers > sizeof sg->timers / sizeof sg->timers[0])
		return ckr_fail(r, "the signals section is inconsistent", 0, 0);
	return 0;
}

#include "ckpt_reader_fds.h"

/* Everything the restorer and the inspector use, checked. */
/* An increment's parent record (optional): one entry, a NUL-terminated
 * non-empty path, a depth within the chain's bound. */
static inline int ckr_parent(struct ckpt_reader *r)
{
	void *v;
	uint64_t n;
	if (ckr_array(r, CKPT_SEC_PARENT, sizeof *r->parent_rec, 0, 1, &v, &n))
		return -1;
	r->parent_rec = v;
	if (!v)
		return 0;
	if (n != 1 || !r->parent_rec->path[0] || r->parent_rec->path[sizeof r->parent_rec->path - 1] ||
	    !r->parent_rec->depth || r->parent_rec->depth > CKPT_MAX_CHAIN)
		return ckr_fail(r, "the parent section is corrupt", 0, 0);
	return 0;
}

static inline int ckr_read(struct ckpt_reader *r, uint64_t file_size)
{
	void *v;
	uint64_t n;
	if (ckr_open(r, file_size))
		return -1;
	if (ckr_array(r, CKPT_SEC_PROC, sizeof *r->proc, 1, 0, &v, &n))
		return -1;
	r->proc = v;
	if (ckr_array(r, CKPT_SEC_THREADS, sizeof *r->threads, 1, 0, &v, &n))
		return -1;
	r->threads = v;
	r->nthreads = n > CKPT_MAX_THREADS ? CKPT_MAX_THREADS + 1 : (uint32_t)n;
	if (ckr_array(r, CKPT_SEC_SIGNALS, sizeof *r->signals, 1, 0, &v, &n))
		return -1;
	r->signals = v;
	if (ckr_array(r, CKPT_SEC_FDS, 1, 0, 0, &v, &n))
		return -1;
	r->fds_raw = v;
	r->fds_raw_size = n;
	if (ckr_parent(r) || ckr_memmap(r) || ckr_array(r, CKPT_SEC_AUXV, 1, 0, 1, &v, &n))
		return -1;
	if (n > 1u << 20)
		return ckr_fail(r, "the auxiliary vector section is too large", 0, 0);
	r->auxv = v;
	r->auxv_size = (uint32_t)n;
	if (ckr_array(r, CKPT_SEC_FDDATA, 1, 0, 1, &v, &n))
		return -1;
	r->fddata = v;
	r->fddata_size = n;
	if (ckr_array(r, CKPT_SEC_ZOMBIES, sizeof *r->zombies, 0, 1, &v, &n) || n > 1u << 20)
		return n > 1u << 20 ? ckr_fail(r, "the exited children section is too large", 0, 0) : -1;
	r->zombies = v;
	r->nzombies = (uint32_t)n;
	if (ckr_array(r, CKPT_SEC_LOCKS, sizeof *r->locks, 0, 1, &v, &n) || n > 1u << 20)
		return n > 1u << 20 ? ckr_fail(r, "the file locks section is too large", 0, 0) : -1;
	r->locks = v;
	r->nlocks = (uint32_t)n;
	if (ckr_process(r))
		return -1;
	return ckr_files(r);
}

/* A region's file path, "" if it has none (checked by ckr_memmap) */
static inline const char *ckr_region_path(const struct ckpt_reader *r, const struct ckpt_img_region *g)
{
	return g->path == ~0ull ? "" : r->strings + g->path;
}

#endif

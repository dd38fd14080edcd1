/*
 * Reading an image: everything is checked before anything is changed. Magic,
 * version, architecture, size (a truncated file), the header and table
 * checksum, each metadata section's checksum and the consistency of the
 * counts. Page contents are checked as they are read into place.
 */
#include "rt.h"
#include "../include/ckpt_hash.h"

static void read_at(struct image *im, void *buf, uint64_t n, uint64_t off)
{
	char *p = buf;
	while (n) {
		long r = sys4(NR_pread64, im->fd, p, n > (1ul << 30) ? (1ul << 30) : n, off);
		if (r == -EINTR)
			continue;
		if (r < 0)
			fail("cannot read the image: ", errno_name(r), 0);
		if (r == 0)
			fail("the image is truncated", 0, 0);
		p += r;
		n -= (uint64_t)r;
		off += (uint64_t)r;
	}
}

static struct ckpt_img_section *find(struct image *im, uint32_t type)
{
	for (uint32_t i = 0; i < im->hdr.nsections; i++)
		if (im->sec[i].type == type)
			return &im->sec[i];
	return 0;
}

static const char *section_name(uint32_t type)
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
	default: return "plugin";
	}
}

static void *load_section(struct image *im, uint32_t type, uint64_t min_size)
{
	struct ckpt_img_section *s = find(im, type);
	if (!s)
		fail("the image has no ", section_name(type), " section");
	if (s->size < min_size)
		fail("the ", section_name(type), " section is too short");
	void *buf = arena_alloc(s->size + 1);
	read_at(im, buf, s->size, s->offset);
	if (ckpt_hash_buf(buf, s->size) != s->checksum)
		fail("the ", section_name(type), " section is corrupt (checksum mismatch)");
	return buf;
}

void image_load(struct image *im, const char *path)
{
	memset(im, 0, sizeof *im);
	im->path = path;
	image_path = path;
	im->fd = (int)sys3(NR_open, path, O_RDONLY | O_CLOEXEC, 0);
	if (im->fd < 0)
		fail("cannot open the image: ", errno_name(im->fd), 0);
	uint64_t st[18];
	if (sys2(NR_fstat, im->fd, st) < 0)
		fail("cannot read the image", 0, 0);
	uint64_t file_size = st[6]; /* struct stat.st_size on x86_64 */
	if (file_size < sizeof im->hdr)
		fail("not an image: the file is too short", 0, 0);
	read_at(im, &im->hdr, sizeof im->hdr, 0);
	if (memcmp(im->hdr.magic, CKPT_IMG_MAGIC, 8))
		fail("not an image (wrong magic)", 0, 0);
	if (im->hdr.version < CKPT_IMG_VERSION_MIN || im->hdr.version > CKPT_IMG_VERSION)
		fail_num("unsupported image version ", im->hdr.version, "");
	if (im->hdr.arch != CKPT_IMG_ARCH_X86_64)
		fail_num("the image is for another architecture (ELF machine ", im->hdr.arch, "), this is x86_64");
	if (im->hdr.file_size != file_size)
		fail("the image is truncated or has extra bytes (size differs from its header)", 0, 0);
	if (!im->hdr.nsections || im->hdr.nsections > 64 ||
	    im->hdr.table_offset + im->hdr.nsections * sizeof(struct ckpt_img_section) != file_size)
		fail("the image's section table is corrupt", 0, 0);
	size_t tlen = im->hdr.nsections * sizeof(struct ckpt_img_section);
	im->sec = arena_alloc(tlen);
	read_at(im, im->sec, tlen, im->hdr.table_offset);
	struct ckpt_img_header h = im->hdr;
	h.header_checksum = 0;
	struct ckpt_hash hh;
	ckpt_hash_init(&hh);
	ckpt_hash_update(&hh, &h, sizeof h);
	ckpt_hash_update(&hh, im->sec, tlen);
	if (ckpt_hash_final(&hh) != im->hdr.header_checksum)
		fail("the image's header is corrupt (checksum mismatch)", 0, 0);
	for (uint32_t i = 0; i < im->hdr.nsections; i++)
		if (im->sec[i].offset < CKPT_IMG_HEADER_SIZE || im->sec[i].offset + im->sec[i].size > im->hdr.table_offset)
			fail("a section lies outside the image", 0, 0);

	im->proc = load_section(im, CKPT_SEC_PROC, sizeof *im->proc);
	struct ckpt_img_section *ts = find(im, CKPT_SEC_THREADS);
	im->threads = load_section(im, CKPT_SEC_THREADS, sizeof *im->threads);
	im->nthreads = (uint32_t)(ts->size / sizeof *im->threads);
	if (ts->size % sizeof *im->threads)
		fail("the threads section is corrupt", 0, 0);
	im->signals = load_section(im, CKPT_SEC_SIGNALS, sizeof *im->signals);
	struct ckpt_img_section *fs = find(im, CKPT_SEC_FDS);
	im->fds = load_section(im, CKPT_SEC_FDS, 0);
	im->nfds = (uint32_t)(fs->size / sizeof *im->fds);
	if (fs->size % sizeof *im->fds)
		fail("the files section is corrupt", 0, 0);
	struct ckpt_img_section *ms = find(im, CKPT_SEC_MEMMAP);
	im->mm = load_section(im, CKPT_SEC_MEMMAP, sizeof *im->mm);
	uint64_t need = sizeof *im->mm + im->mm->nregions * sizeof(struct ckpt_img_region) +
			im->mm->nruns * sizeof(struct ckpt_img_run) + im->mm->strings_size;
	if (need != ms->size)
		fail("the memory map section is corrupt", 0, 0);
	im->regions = (struct ckpt_img_region *)(im->mm + 1);
	im->runs = (struct ckpt_img_run *)(im->regions + im->mm->nregions);
	im->strings = (const char *)(im->runs + im->mm->nruns);
	struct ckpt_img_section *as = find(im, CKPT_SEC_AUXV);
	im->auxv = as ? load_section(im, CKPT_SEC_AUXV, 0) : 0;
	im->auxv_size = as ? (uint32_t)as->size : 0;
	struct ckpt_img_section *pd = find(im, CKPT_SEC_FDDATA);
	im->fddata = pd ? load_section(im, CKPT_SEC_FDDATA, 0) : 0;
	im->fddata_size = pd ? pd->size : 0;
	for (uint32_t i = 0; i < im->nfds; i++)
		if (im->fds[i].data_len && im->fds[i].data_offset + im->fds[i].data_len > im->fddata_size)
			fail("the files section is inconsistent", 0, 0);
	struct ckpt_img_section *zs = find(im, CKPT_SEC_ZOMBIES);
	im->zombies = zs ? load_section(im, CKPT_SEC_ZOMBIES, 0) : 0;
	im->nzombies = zs ? (uint32_t)(zs->size / sizeof(struct ckpt_img_zombie)) : 0;
	struct ckpt_img_section *ls = find(im, CKPT_SEC_LOCKS);
	im->locks = ls ? load_section(im, CKPT_SEC_LOCKS, 0) : 0;
	im->nlocks = ls ? (uint32_t)(ls->size / sizeof(struct ckpt_img_lock)) : 0;
	struct ckpt_img_section *ps = find(im, CKPT_SEC_PARENT);
	im->parent_rec = ps ? load_section(im, CKPT_SEC_PARENT, sizeof *im->parent_rec) : 0;
	if (im->parent_rec && (ps->size != sizeof *im->parent_rec || !im->parent_rec->path[0] ||
			       im->parent_rec->path[sizeof im->parent_rec->path - 1] || !im->parent_rec->depth ||
			       im->parent_rec->depth > CKPT_MAX_CHAIN))
		fail("the parent section is corrupt", 0, 0);
	im->memdata = find(im, CKPT_SEC_MEMDATA);
	if (!im->memdata)
		fail("the image has no memory contents section", 0, 0);
	/* every run must lie inside its region and inside the data */
	for (uint32_t i = 0; i < im->mm->nregions; i++) {
		struct ckpt_img_region *r = &im->regions[i];
		if (r->start >= r->end || (r->start | r->end) % CKPT_PAGE || r->first_run + r->nruns > im->mm->nruns)
			fail("the memory map section is inconsistent", 0, 0);
		if (r->path != ~0ull && r->path >= im->mm->strings_size)
			fail("the memory map section is inconsistent", 0, 0);
		for (uint64_t k = 0; k < r->nruns; k++) {
			struct ckpt_img_run *run = &im->runs[r->first_run + k];
			int inherited = run->data_offset == CKPT_RUN_INHERIT && im->parent_rec;
			if (run->addr < r->start || run->addr + run->npages * CKPT_PAGE > r->end ||
			    (!inherited && run->data_offset + run->npages * CKPT_PAGE > im->memdata->size))
				fail("the memory map section is inconsistent", 0, 0);
		}
	}
	if (!im->nthreads || im->nthreads > CKPT_MAX_THREADS)
		fail("the image has no threads", 0, 0);
	for (uint32_t i = 0; i < im->nthreads; i++)
		if (im->threads[i].slot >= CKPT_MAX_THREADS)
			fail("the threads section is inconsistent", 0, 0);
}

const char *region_path(struct image *im, struct ckpt_img_region *r)
{
	return r->path == ~0ull ? "" : im->strings + r->path;
}

/* --check: read every page back and compare the checksum, changing nothing */
void image_verify_data(struct image *im)
{
	struct ckpt_chunked_hash h;
	ckpt_chunked_init(&h);
	uint64_t chunk = CKPT_DATA_CHUNK;
	char *buf = arena_alloc(chunk);
	for (uint64_t off = 0; off < im->memdata->size; off += chunk) {
		uint64_t n = im->memdata->size - off < chunk ? im->memdata->size - off : chunk;
		read_at(im, buf, n, im->memdata->offset + off);
		ckpt_chunked_update(&h, buf, n);
	}
	if (ckpt_chunked_final(&h) != im->memdata->checksum)
		fail("the memory contents are corrupt (checksum mismatch)", 0, 0);
}

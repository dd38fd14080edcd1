/*
 * Which pages of each region are saved, and writing them. /proc/self/pagemap
 * tells which pages hold data of the process's own:
 *   - anonymous, heap and stack mappings (and shared memory): pages present or
 *     swapped (never-touched pages are zero and cost nothing);
 *   - private file mappings: only the copy-on-write copies;
 *   - shared file mappings: nothing, the file holds the data.
 * A forked writer reads the pagemap of its own copy of the address space,
 * which has the same pages as the program had when it was stopped (fork
 * copies every page table entry of a mapping with private pages). Regions
 * the copy does not hold as they were are set aside while the program is
 * stopped (ckpt_mem_set_aside), and the writer checks that it missed none.
 */
#include "layout.h"
#include "dirty.h"
#include "page_hashes.h"
#include "../../writer.h"
#include "../../chunk_writer.h"
#include "../../../include/ckpt_hash.h"
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define PM_FILE (1ull << 61)

static int saves_pages(const struct ckpt_img_region *r)
{
	return r->kind == CKPT_MEM_ANON || r->kind == CKPT_MEM_HEAP || r->kind == CKPT_MEM_STACK ||
	       r->kind == CKPT_MEM_SHARED_ANON || r->kind == CKPT_MEM_FILE;
}

static int page_is_zero(uint64_t addr)
{
	const uint64_t *w = (const uint64_t *)addr;
	for (size_t i = 0; i < CKPT_PAGE / 8; i += 4)
		if (w[i] | w[i + 1] | w[i + 2] | w[i + 3])
			return 0;
	return 1;
}

/* Appends the runs of r's saved pages in [start, end) to out, counting them
 * in r's nruns and saved_bytes. pm_fd < 0: every page is there (a scan said
 * so), only zeros are left out. */
static int plan_range(struct layout *l, struct ckpt_img_region *r, uint64_t start, uint64_t end, int whole, int pm_fd,
		      struct runlist *out, uint64_t *data_off)
{
	int private_file = r->kind == CKPT_MEM_FILE;
	/* a private anonymous page of zeros comes back as a new page: no need to
	 * save it (memory read before it was written, calloc'd, cleared) */
	int skip_zero = !whole && (r->prot & CKPT_PROT_R) &&
			(r->kind == CKPT_MEM_ANON || r->kind == CKPT_MEM_HEAP || r->kind == CKPT_MEM_STACK);
	int hashed = out->compare && ckpt_hashes_applies(l, r, whole);
	uint64_t npages = (end - start) / CKPT_PAGE;
	struct ckpt_img_run *cur = 0;
	for (uint64_t base = 0; base < npages; base += PAGEMAP_CHUNK) {
		uint64_t n = npages - base < PAGEMAP_CHUNK ? npages - base : PAGEMAP_CHUNK;
		long got = pm_fd < 0 ? (long)(n * 8)
				     : SYS4(SYS_pread64, pm_fd, l->pagemap, n * 8, ((start / CKPT_PAGE) + base) * 8);
		if (got != (long)(n * 8))
			return ckpt_fail("cannot read the page map at %lx", start + base * CKPT_PAGE);
		for (uint64_t i = 0; i < n; i++) {
			uint64_t e = pm_fd < 0 ? PM_PRESENT : l->pagemap[i];
			/* a tracked page never touched shows as swapped (its
			 * protection marker, see dirty.h): it reads as zeros */
			int save = whole || (!private_file ? (e & (PM_PRESENT | PM_SWAPPED)) != 0
							   : ((e & PM_PRESENT) && !(e & PM_FILE)) || (e & PM_SWAPPED));
			uint64_t addr = start + (base + i) * CKPT_PAGE;
			if (save && skip_zero && page_is_zero(addr))
				save = 0;
			if (!save) {
				cur = 0;
				continue;
			}
			int inherit = hashed && ckpt_hashes_page(l, addr);
			if (cur && cur->addr + cur->npages * CKPT_PAGE == addr &&
			    (cur->data_offset == CKPT_RUN_INHERIT) == inherit) {
				cur->npages++;
			} else {
				if (out->v + out->n + 1 > out->end)
					return ckpt_fail("too many memory runs");
				cur = &out->v[out->n++];
				cur->addr = addr;
				cur->npages = 1;
				cur->data_offset = inherit ? CKPT_RUN_INHERIT : *data_off;
				r->nruns++;
			}
			if (inherit)
				continue;
			*data_off += CKPT_PAGE;
			r->saved_bytes += CKPT_PAGE;
		}
	}
	return 0;
}

/* Appends the runs of r's saved pages to out; sets r's first_run, nruns and
 * saved_bytes (first_run as an index in out). */
static int plan_pages(struct layout *l, struct ckpt_img_region *r, int whole, int pm_fd, struct runlist *out,
		      uint64_t *data_off)
{
	r->first_run = out->n;
	r->nruns = 0;
	r->saved_bytes = 0;
	if (!saves_pages(r))
		return 0;
	return plan_range(l, r, r->start, r->end, whole, pm_fd, out, data_off);
}

/* An increment's region: inherited segments become inherited runs, dropped
 * ones nothing (zeros), the untracked ones are planned from the page map as
 * in a whole image, the written ones without it (their scan found every page
 * there: present or swapped). */
int ckpt_mem_plan_segments(struct layout *l, struct ckpt_img_region *r, const struct region_plan *rp, int pm_fd,
			   struct runlist *out, uint64_t *data_off)
{
	r->first_run = out->n;
	r->nruns = 0;
	r->saved_bytes = 0;
	for (uint64_t k = rp->seg_first; k < rp->seg_first + rp->nsegs; k++) {
		const struct segment *sg = &l->segs[k];
		if (sg->kind == CKPT_DIRTY_DROPPED)
			continue;
		if (sg->kind != SEG_INHERIT) {
			int pm = sg->kind == CKPT_DIRTY_WRITTEN ? -1 : pm_fd;
			if (plan_range(l, r, sg->start, sg->end, 0, pm, out, data_off) < 0)
				return -1;
			continue;
		}
		if (out->v + out->n + 1 > out->end)
			return ckpt_fail("too many memory runs");
		out->v[out->n++] = (struct ckpt_img_run){ sg->start, (sg->end - sg->start) / CKPT_PAGE, CKPT_RUN_INHERIT };
		r->nruns++;
	}
	return 0;
}

int ckpt_mem_copy_runs(const struct ckpt_img_region *r, const struct ckpt_img_run *run, uint64_t nruns, int mem_fd,
		       char *dst)
{
	for (uint64_t i = 0; i < nruns; i++, run++) {
		if (run->data_offset == CKPT_RUN_INHERIT)
			continue;
		uint64_t len = run->npages * CKPT_PAGE;
		if (r->prot & CKPT_PROT_R)
			memcpy(dst, (const void *)run->addr, len);
		else if (SYS4(SYS_pread64, mem_fd, dst, len, run->addr) != (long)len)
			return ckpt_fail("cannot read memory at %lx", run->addr);
		dst += len;
	}
	return 0;
}

static int open_self(const char *what, int *pm_fd, int *mem_fd)
{
	*pm_fd = (int)SYS3(SYS_open, "/proc/self/pagemap", O_RDONLY | O_CLOEXEC, 0);
	*mem_fd = (int)SYS3(SYS_open, "/proc/self/mem", O_RDONLY | O_CLOEXEC, 0);
	if (*pm_fd >= 0 && *mem_fd >= 0)
		return 0;
	return ckpt_fail("%s cannot read its page map or memory", what);
}

static void close_self(int pm_fd, int mem_fd)
{
	if (pm_fd >= 0)
		SYS1(SYS_close, pm_fd);
	if (mem_fd >= 0)
		SYS1(SYS_close, mem_fd);
}

/* With the program stopped: the pages of the regions marked `aside` are
 * copied to private memory, the part of the pause that grows with them. */
int ckpt_mem_set_aside(struct layout *l)
{
	int any = 0;
	for (uint64_t i = 0; i < l->nregions; i++)
		any |= l->plan[i].aside && saves_pages(&l->regions[i]);
	if (!any)
		return 0;
	int pm_fd = -1, mem_fd = -1, rc = -1;
	if (open_self("the process", &pm_fd, &mem_fd) < 0)
		goto out;
	struct runlist out = { l->aside_runs, 0, l->runs_end, 0 };
	uint64_t total = 0;
	for (uint64_t i = 0; i < l->nregions; i++) {
		struct region_plan *rp = &l->plan[i];
		if (!rp->aside)
			continue;
		struct ckpt_img_region tmp = l->regions[i];
		rp->aside_off = total;
		if (plan_pages(l, &tmp, rp->whole, pm_fd, &out, &total) < 0)
			goto out;
		rp->aside_first = tmp.first_run;
		rp->aside_nruns = tmp.nruns;
	}
	l->naside_runs = out.n;
	if (total) {
		/* shared, as the working memory is (memory.c) */
		long m = SYS6(SYS_mmap, 0, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m < 0 && m > -4096) {
			ckpt_fail("cannot allocate %lu bytes to copy the shared memory", (unsigned long)total);
			goto out;
		}
		l->aside = (char *)m;
		l->aside_size = total;
	}
	for (uint64_t i = 0; i < l->nregions; i++) {
		struct region_plan *rp = &l->plan[i];
		if (!rp->aside)
			continue;
		rp->copy = l->aside + rp->aside_off;
		if (ckpt_mem_copy_runs(&l->regions[i], l->aside_runs + rp->aside_first, rp->aside_nruns, mem_fd,
				       l->aside + rp->aside_off) < 0)
			goto out;
	}
	rc = 0;
out:
	close_self(pm_fd, mem_fd);
	return rc;
}

/* "wf" in smaps' VmFlags line: MADV_WIPEONFORK, zero in a forked copy. */
static int wiped_on_fork(const char *p)
{
	for (p += sizeof "VmFlags:" - 1; *p && *p != '\n'; p++)
		if (p[-1] == ' ' && p[0] == 'w' && p[1] == 'f' && (p[2] == ' ' || p[2] == '\n' || !p[2]))
			return 1;
	return 0;
}

/* Whether region i's pages come from the writer's copy of the address space. */
static int from_copy(const struct layout *l, uint64_t i)
{
	return !l->plan[i].aside && saves_pages(&l->regions[i]);
}

static int not_in_copy(const struct ckpt_img_region *r)
{
	return ckpt_fail("the memory at %lx-%lx is not in the image writer's copy (MADV_DONTFORK "
			 "made by a raw system call?); CKPT_WRITER=inline saves it",
			 r->start, r->end);
}

/* Where the walk of the copy's mappings is: region i is there from its start
 * up to `have`. */
struct copy_walk {
	uint64_t i, have;
};

static void next_region(const struct layout *l, struct copy_walk *c)
{
	c->i++;
	c->have = c->i < l->nregions ? l->regions[c->i].start : 0;
}

/* The regions that mapping [start, end) of the copy holds, or that end before
 * it (and must be whole by then). */
static int walk_mapping(struct layout *l, struct copy_walk *c, uint64_t start, uint64_t end, int wiped)
{
	while (c->i < l->nregions) {
		struct ckpt_img_region *r = &l->regions[c->i];
		if (!from_copy(l, c->i) || (r->end <= start && c->have >= r->end)) {
			next_region(l, c);
			continue;
		}
		if (r->end <= start || start > c->have)
			return not_in_copy(r);
		if (r->start >= end)
			return 0;
		if (wiped)
			return ckpt_fail("the memory at %lx-%lx is wiped in the image writer's copy "
					 "(MADV_WIPEONFORK made by a raw system call?); CKPT_WRITER=inline saves it",
					 r->start, r->end);
		c->have = end < r->end ? end : r->end;
		if (c->have < r->end)
			return 0; /* goes on in the next mapping */
		next_region(l, c);
	}
	return 0;
}

/* In a forked writer: every region whose pages come from its copy is there
 * whole, and not wiped by the fork. Whole, not with the same bounds: the
 * dirty-page tracking registers the regions new since the last snapshot after
 * they were listed, which merges a heap grown since with its older part (or
 * splits a mapping). Its own smaps walks its page tables; the program runs
 * meanwhile. */
static int check_copy(struct layout *l)
{
	long n = ckpt_read_file("/proc/self/smaps", l->maps, MAPS_MAX);
	if (n <= 0 || n >= (long)MAPS_MAX - 1)
		return ckpt_fail("the image writer cannot read its memory map");
	struct copy_walk c = { 0, l->nregions ? l->regions[0].start : 0 };
	uint64_t start = 0, end = 0;
	for (const char *line = l->maps; *line;) {
		const char *p = line;
		while (*line && *line != '\n')
			line++;
		if (*line)
			line++;
		if (!(*p >= 'A' && *p <= 'Z')) {
			start = ckpt_parse_hex(&p);
			p++;
			end = ckpt_parse_hex(&p);
			continue;
		}
		if (ckpt_startswith(p, "VmFlags:") && walk_mapping(l, &c, start, end, wiped_on_fork(p)) < 0)
			return -1;
	}
	return walk_mapping(l, &c, ~0ull, ~0ull, 0);
}

/* With blocks, a region that saves a chunk or more starts a chunk of the
 * contents (its runs move on by the gap, which is written as zeros): its
 * blocks are then the same from one snapshot to the next whatever the regions
 * before it saved, where a page more or less would shift every later chunk,
 * and a snapshot after a restart links the blocks of the one restarted. */
static void align_region(struct layout *l, uint64_t i, uint64_t before, uint64_t *data_off)
{
	struct ckpt_img_region *r = &l->regions[i];
	uint64_t pad = (CKPT_DATA_CHUNK - before % CKPT_DATA_CHUNK) % CKPT_DATA_CHUNK;
	l->plan[i].pad = 0;
	if (!pad || r->saved_bytes < CKPT_DATA_CHUNK || !ckpt_chunks_blocks())
		return;
	for (uint64_t k = r->first_run; k < r->first_run + r->nruns; k++)
		if (l->runs[k].data_offset != CKPT_RUN_INHERIT)
			l->runs[k].data_offset += pad;
	*data_off += pad;
	l->plan[i].pad = pad;
}

/* The runs of every region, in order: set-aside regions' from the pause,
 * the others' from this process's page map. */
static int plan_all(struct layout *l, int pm_fd)
{
	struct runlist out = { l->aside_runs + l->naside_runs, 0, l->runs_end, 1 };
	uint64_t data_off = 0;
	l->runs = out.v; /* align_region moves runs as they are planned */
	for (uint64_t i = 0; i < l->nregions; i++) {
		struct ckpt_img_region *r = &l->regions[i];
		struct region_plan *rp = &l->plan[i];
		uint64_t before = data_off;
		if (rp->incr && !rp->aside) {
			if (ckpt_mem_plan_segments(l, r, rp, pm_fd, &out, &data_off) < 0)
				return -1;
			align_region(l, i, before, &data_off);
			continue;
		}
		if (!rp->aside) {
			if (plan_pages(l, r, rp->whole, pm_fd, &out, &data_off) < 0)
				return -1;
			align_region(l, i, before, &data_off);
			continue;
		}
		if (out.v + out.n + rp->aside_nruns > out.end)
			return ckpt_fail("too many memory runs");
		r->first_run = out.n;
		r->nruns = rp->aside_nruns;
		r->saved_bytes = 0;
		for (uint64_t k = 0; k < rp->aside_nruns; k++) {
			struct ckpt_img_run *run = &out.v[out.n++];
			*run = l->aside_runs[rp->aside_first + k];
			if (run->data_offset == CKPT_RUN_INHERIT)
				continue; /* an increment's (ASIDE_WRITTEN) */
			run->data_offset = data_off;
			data_off += run->npages * CKPT_PAGE;
			r->saved_bytes += run->npages * CKPT_PAGE;
		}
		align_region(l, i, before, &data_off);
	}
	l->runs = out.v;
	l->nruns = out.n;
	ckpt_hashes_complete(l);
	return 0;
}

/* Pages go through a buffer: the engine's own variables and the writer's stack
 * change while they are written (the checksum state itself lives in memory), so
 * the bytes hashed and the bytes written must be the same copy. A chunk that
 * fits in cache keeps the copy cheap. */
#define COPY_CHUNK (1ul << 20)

static int write_region_data(struct ckpt_writer *w, struct layout *l, uint64_t ri, int mem_fd)
{
	struct ckpt_img_region *r = &l->regions[ri];
	char *buf = (char *)l->pagemap;
	if (l->plan[ri].pad) {
		__builtin_memset(buf, 0, COPY_CHUNK);
		for (uint64_t left = l->plan[ri].pad; left;) {
			uint64_t n = left < COPY_CHUNK ? left : COPY_CHUNK;
			if (ckpt_section_write(w, buf, n) < 0)
				return -1;
			left -= n;
		}
	}
	if (l->plan[ri].aside) /* a private copy that nothing changes */
		return r->saved_bytes ? ckpt_section_write(w, l->plan[ri].copy, r->saved_bytes) : 0;
	for (uint64_t i = 0; i < r->nruns; i++) {
		struct ckpt_img_run *run = &l->runs[r->first_run + i];
		if (run->data_offset == CKPT_RUN_INHERIT)
			continue; /* in the parent image */
		uint64_t len = run->npages * CKPT_PAGE;
		for (uint64_t done = 0; done < len;) {
			uint64_t n = len - done > COPY_CHUNK ? COPY_CHUNK : len - done;
			if (ckpt_mem_copy_runs(r, &(struct ckpt_img_run){ run->addr + done, n / CKPT_PAGE, 0 }, 1, mem_fd, buf) < 0 ||
			    ckpt_section_write(w, buf, n) < 0)
				return -1;
			done += n;
		}
	}
	return 0;
}

int ckpt_memory_write_pages(struct ckpt_writer *w, int forked)
{
	struct layout *l = (struct layout *)ckpt_mem_scratch;
	if (!l)
		return ckpt_fail("no memory plan to write");
	int pm_fd = -1, mem_fd = -1, rc = -1;
	if ((forked && check_copy(l) < 0) || open_self("the image writer", &pm_fd, &mem_fd) < 0 ||
	    plan_all(l, pm_fd) < 0)
		goto out;
	/* page contents, page-aligned in the file so that they could be mapped */
	if (ckpt_writer_align(w, CKPT_PAGE) < 0 || ckpt_section_begin(w, CKPT_SEC_MEMDATA, 0) < 0)
		goto out;
	for (uint64_t i = 0; i < l->nregions; i++)
		if (write_region_data(w, l, i, mem_fd) < 0)
			goto out;
	if (ckpt_section_end(w) < 0)
		goto out;
	struct ckpt_img_memmap mm = { .nregions = (uint32_t)l->nregions, .nruns = l->nruns, .strings_size = l->strings };
	if (ckpt_section_begin(w, CKPT_SEC_MEMMAP, 0) < 0 || ckpt_section_write(w, &mm, sizeof mm) < 0 ||
	    ckpt_section_write(w, l->regions, l->nregions * sizeof *l->regions) < 0 ||
	    ckpt_section_write(w, l->runs, l->nruns * sizeof *l->runs) < 0 ||
	    ckpt_section_write(w, l->strtab, l->strings) < 0 || ckpt_section_end(w) < 0)
		goto out;
	rc = 0;
out:
	close_self(pm_fd, mem_fd);
	return rc;
}

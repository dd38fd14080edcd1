/*
 * Memory: the restorer clears the address space of everything but itself and
 * the kernel's special mappings, moves the new vdso and vvar pages to where
 * the program had them (glibc holds pointers into them), maps each region
 * (files again, anonymous memory anew) and reads the saved pages into place,
 * checking their checksum as they arrive.
 */
#include "rt.h"
#include "file_contents.h"
#include "../include/ckpt_hash.h"
#include "../include/ckpt_proc.h"

struct special {
	uint64_t start, end;
};
static struct special cur_vvar, cur_vclock, cur_vdso;

static uint64_t parse_hex(const char **p)
{
	uint64_t v = 0;
	for (;;) {
		char c = **p;
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return v;
		v = v * 16 + (uint64_t)d;
		(*p)++;
	}
}

static char *read_maps(void)
{
	size_t cap = 1ul << 20;
	char *buf = arena_alloc(cap);
	if (ckpt_proc_read("/proc/self/maps", buf, cap) < 0)
		fail("cannot read /proc/self/maps", 0, 0);
	return buf;
}

static int ends_with(const char *line_end_path, const char *name)
{
	return streq(line_end_path, name);
}

/* Calls fn for every mapping of this process. */
static void each_mapping(char *maps, void (*fn)(uint64_t, uint64_t, const char *))
{
	for (char *line = maps; *line;) {
		const char *p = line;
		char *eol = line;
		while (*eol && *eol != '\n')
			eol++;
		char saved = *eol;
		*eol = 0;
		uint64_t start = parse_hex(&p);
		p++;
		uint64_t end = parse_hex(&p);
		/* the path is the last field, after five others */
		const char *path = "";
		int fields = 0;
		for (const char *q = p; *q; q++)
			if (*q == ' ' && q[1] != ' ' && q[1] && ++fields == 5) {
				path = q + 1;
				break;
			}
		fn(start, end, path);
		*eol = saved;
		line = *eol ? eol + 1 : eol;
	}
}

static void note_special(uint64_t start, uint64_t end, const char *path)
{
	struct special s = { start, end };
	if (ends_with(path, "[vvar]"))
		cur_vvar = s;
	else if (ends_with(path, "[vvar_vclock]"))
		cur_vclock = s;
	else if (ends_with(path, "[vdso]"))
		cur_vdso = s;
}

void memory_preflight(struct image *im)
{
	each_mapping(read_maps(), note_special);
	chain_load(im);
	struct ckpt_img_proc *p = im->proc;
	if (p->vdso_end - p->vdso_start != cur_vdso.end - cur_vdso.start ||
	    p->vvar_end - p->vvar_start != cur_vvar.end - cur_vvar.start ||
	    p->vclock_end - p->vclock_start != cur_vclock.end - cur_vclock.start)
		fail("the image was taken under another kernel (vdso layout differs)", 0, 0);
	int *region_fd = arena_alloc(sizeof(int) * (im->mm->nregions + 1));
	im->region_fd = region_fd;
	for (uint32_t i = 0; i < im->mm->nregions; i++) {
		struct ckpt_img_region *r = &im->regions[i];
		region_fd[i] = -1;
		if (r->end > ZONE_START && r->start < ZONE_END)
			fail("the program used memory where the restorer lives", 0, 0);
		if (r->kind != CKPT_MEM_FILE && r->kind != CKPT_MEM_SHARED_FILE)
			continue;
		if (file_contents_pending(region_path(im, r)))
			continue; /* --check: put back by a real restart first */
		int moved;
		const char *path = world_path(region_path(im, r), &moved);
		int held = r->kind == CKPT_MEM_SHARED_FILE ? session_file(path) : 0;
		if (held == 2)
			continue; /* a check: gone now, made again by the restart */
		int writable_shared = r->kind == CKPT_MEM_SHARED_FILE && (r->prot & CKPT_PROT_W);
		long fd = sys3(NR_open, path, (writable_shared ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
		if (fd < 0)
			fail4("a file the program had mapped cannot be opened: ", path, ": ", errno_name(fd));
		uint64_t st[18];
		sys2(NR_fstat, fd, st);
		/* struct stat on x86_64: dev, ino, nlink, mode|uid, gid|pad, rdev, size,
		 * blksize, blocks, atime(2), mtime(2), ctime(2) */
		uint64_t mtime_ns = st[11] * 1000000000ull + st[12];
		/* a file moved on purpose (--path-map) may be a copy: size and time must do */
		/* a file put back as it was at the snapshot is a new inode of the same bytes */
		int saved = file_contents_saved(region_path(im, r));
		if (!held && !saved && ((!moved && st[1] != r->ino) || st[6] != r->file_size || mtime_ns != r->mtime_ns))
			fail("a file the program had mapped has changed since the snapshot: ", path, 0);
		region_fd[i] = (int)fd;
	}
}

static void unmap_foreign(uint64_t start, uint64_t end, const char *path)
{
	if (start >= ZONE_START && end <= ZONE_END)
		return;
	if (ends_with(path, "[vvar]") || ends_with(path, "[vvar_vclock]") || ends_with(path, "[vdso]") ||
	    ends_with(path, "[vsyscall]"))
		return;
	sys2(NR_munmap, start, end - start);
}

static void move(struct special *from, uint64_t to)
{
	if (!from->start || from->start == to)
		return;
	uint64_t len = from->end - from->start;
	long r = sys5(NR_mremap, from->start, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	if (r != (long)to)
		fail("cannot move the vdso: ", errno_name(r), 0);
	from->start = to;
	from->end = to + len;
}

static int to_prot(uint32_t p)
{
	return (p & CKPT_PROT_R ? PROT_READ : 0) | (p & CKPT_PROT_W ? PROT_WRITE : 0) |
	       (p & CKPT_PROT_X ? PROT_EXEC : 0);
}

static void read_pages(struct image *im, struct ckpt_hash *h, char *dst, uint64_t n, uint64_t off)
{
	/* in chunks that stay in cache between the read and the checksum */
	const uint64_t chunk = 1ul << 20;
	while (n) {
		uint64_t want = n < chunk ? n : chunk;
		long r = sys4(NR_pread64, im->fd, dst, want, im->memdata->offset + off);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			fail("the image is truncated (memory contents)", 0, 0);
		ckpt_hash_update(h, dst, (size_t)r);
		dst += r;
		off += (uint64_t)r;
		n -= (uint64_t)r;
	}
}

/* The pages are read and checked by two threads at once (chunks of the
 * memory contents handed out one at a time): on this kind of machine most of
 * a large restart is the kernel handing out and zeroing fresh pages, which two
 * CPUs do twice as fast. */
static struct {
	struct image *im;
	uint64_t nchunks;
	uint64_t *hashes;
	volatile int32_t next;
	volatile int32_t helper_alive; /* cleared by the kernel when the helper has exited */
} fill;

static void fill_chunk(uint64_t c)
{
	struct image *im = fill.im;
	uint64_t start = c * CKPT_DATA_CHUNK, end = start + CKPT_DATA_CHUNK;
	if (end > im->memdata->size)
		end = im->memdata->size;
	/* the runs lie in the data in order: find the first that reaches this chunk */
	uint64_t lo = 0, hi = im->ndruns;
	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;
		struct ckpt_img_run *r = &im->druns[mid];
		if (r->data_offset + r->npages * CKPT_PAGE <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	struct ckpt_hash h;
	ckpt_hash_init(&h);
	for (uint64_t k = lo; k < im->ndruns && im->druns[k].data_offset < end; k++) {
		struct ckpt_img_run *r = &im->druns[k];
		uint64_t rs = r->data_offset, re = rs + r->npages * CKPT_PAGE;
		uint64_t a = rs > start ? rs : start, b = re < end ? re : end;
		if (a < b)
			read_pages(im, &h, (char *)r->addr + (a - rs), b - a, a);
	}
	fill.hashes[c] = ckpt_hash_final(&h);
}

static void fill_loop(void)
{
	for (;;) {
		uint64_t c = (uint64_t)__atomic_fetch_add(&fill.next, 1, __ATOMIC_ACQ_REL);
		if (c >= fill.nchunks)
			return;
		fill_chunk(c);
	}
}

static void fill_helper(void *unused)
{
	(void)unused;
	fill_loop();
	sys1(NR_exit, 0);
}

long rclone(unsigned long flags, void *stack, void (*fn)(void *), void *arg, volatile int32_t *ctid);

static void fill_memory(struct image *im)
{
	fill.im = im;
	fill.nchunks = (im->memdata->size + CKPT_DATA_CHUNK - 1) / CKPT_DATA_CHUNK;
	fill.hashes = arena_alloc((fill.nchunks + 1) * sizeof *fill.hashes);
	fill.next = 0;
	fill.helper_alive = 0;
	if (fill.nchunks >= 16) {
		char *stack = arena_alloc(64 * 1024);
		fill.helper_alive = 1;
		if (rclone(0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x200000
			   /* VM FS FILES SIGHAND THREAD SYSVSEM CHILD_CLEARTID */,
			   stack + 64 * 1024, fill_helper, 0, &fill.helper_alive) <= 0)
			fill.helper_alive = 0;
	}
	fill_loop();
	/* wait until the helper has exited, not just finished: the restorer's code
	 * and stacks go away before the program runs */
	for (;;) {
		int32_t alive = __atomic_load_n(&fill.helper_alive, __ATOMIC_ACQUIRE);
		if (!alive)
			break;
		long ts[2] = { 0, 1000000 };
		sys4(NR_futex, &fill.helper_alive, 0 /* FUTEX_WAIT */, alive, ts);
	}
	struct ckpt_hash outer;
	ckpt_hash_init(&outer);
	for (uint64_t c = 0; c < fill.nchunks; c++)
		ckpt_hash_update(&outer, &fill.hashes[c], sizeof fill.hashes[c]);
	if (ckpt_hash_final(&outer) != im->memdata->checksum)
		fail("the memory contents are corrupt (checksum mismatch); the program was not started", 0, 0);
}

void memory_restore(struct image *im)
{
	struct ckpt_img_proc *p = im->proc;
	int *region_fd = im->region_fd;
	each_mapping(read_maps(), unmap_foreign);
	/* out of the way first: the program may want the addresses they have now */
	move(&cur_vvar, ZONE_TEMP);
	move(&cur_vclock, ZONE_TEMP + 0x100000);
	move(&cur_vdso, ZONE_TEMP + 0x200000);

	for (uint32_t i = 0; i < im->mm->nregions; i++) {
		struct ckpt_img_region *r = &im->regions[i];
		uint64_t len = r->end - r->start;
		int prot = to_prot(r->prot);
		int fill_prot = r->nruns ? prot | PROT_READ | PROT_WRITE : prot;
		long got;
		switch (r->kind) {
		case CKPT_MEM_VDSO:
		case CKPT_MEM_VVAR:
		case CKPT_MEM_VCLOCK:
		case CKPT_MEM_VSYSCALL:
			continue;
		case CKPT_MEM_FILE:
			got = sys6(NR_mmap, r->start, len, fill_prot, MAP_PRIVATE | MAP_FIXED, region_fd[i], r->file_offset);
			break;
		case CKPT_MEM_SHARED_FILE:
			got = sys6(NR_mmap, r->start, len, prot, MAP_SHARED | MAP_FIXED, region_fd[i], r->file_offset);
			break;
		case CKPT_MEM_SHARED_ANON: {
			/* the object this region shares with others (shared_anon.c) */
			int fd = shared_anon_fd(r->ino);
			if (fd >= 0)
				got = sys6(NR_mmap, r->start, len, fill_prot, MAP_SHARED | MAP_FIXED, fd, r->file_offset);
			else
				got = sys6(NR_mmap, r->start, len, fill_prot, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			break;
		}
		case CKPT_MEM_STACK:
			got = sys6(NR_mmap, r->start, len, fill_prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN,
				   -1, 0);
			break;
		default:
			got = sys6(NR_mmap, r->start, len, fill_prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			break;
		}
		if (got != (long)r->start)
			fail("cannot map memory at its saved address: ", errno_name(got), 0);
		if (region_fd[i] >= 0)
			sys1(NR_close, region_fd[i]);
	}
	fill_memory(im);
	chain_fill(im); /* after the image's own pages: the parents' fill the rest */
	for (uint32_t i = 0; i < im->mm->nregions; i++) {
		struct ckpt_img_region *r = &im->regions[i];
		int prot = to_prot(r->prot);
		if (r->nruns && (prot | PROT_READ | PROT_WRITE) != prot && r->kind != CKPT_MEM_VDSO &&
		    r->kind != CKPT_MEM_VVAR && r->kind != CKPT_MEM_VCLOCK && r->kind != CKPT_MEM_VSYSCALL)
			sys3(NR_mprotect, r->start, r->end - r->start, prot);
	}
	move(&cur_vvar, p->vvar_start);
	move(&cur_vclock, p->vclock_start);
	move(&cur_vdso, p->vdso_start);
}

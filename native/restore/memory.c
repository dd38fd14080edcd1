/*
 * Memory: the restorer clears the address space of everything but itself and
 * the kernel's special mappings, moves the new vdso and vvar pages to where
 * the program had them (glibc holds pointers into them), maps each region
 * (files again, anonymous memory anew) and reads the saved pages into place
 * (fill.c), checking their checksum as they arrive.
 */
#include "rt.h"
#include "file_contents.h"
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
	chain_fill(im); /* the image's own pages and those its parents supply */
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

/*
 * memory: the address space. Every mapping is recorded; only pages that hold
 * data of the process's own are saved:
 *   - anonymous, heap and stack mappings: pages that are present or swapped
 *     (never-touched pages are zero and cost nothing);
 *   - private file mappings (code, libraries): only pages the process changed
 *     (copy-on-write copies); the rest is mapped from the file again;
 *   - shared file mappings: nothing, the file holds the data.
 * /proc/self/pagemap tells which pages are which. The vdso and vvar pages are
 * the kernel's: only their addresses are kept, and the restorer moves the new
 * process's own there. This plugin also writes the process section (identity,
 * the kernel's memory-layout fields, where the restorer re-enters the library).
 */
#include "../../engine.h"
#include <dlfcn.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#define SCRATCH_SIZE (512ul << 20)
#define MAPS_MAX (16ul << 20)
#define PAGEMAP_CHUNK (1ul << 20) /* entries per pagemap read */

#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define PM_FILE (1ull << 61)

extern char ckpt_restart_main_entry[], ckpt_restart_thread_entry[];

static char *scratch;
static uint64_t scratch_end;

/* The engine's own library is saved whole rather than mapped from its file
 * again: a snapshot must outlive a rebuild or reinstall of the engine. */
static uint64_t own_ino;

__attribute__((constructor(120))) static void find_own_library(void)
{
	Dl_info info;
	struct stat st;
	if (dladdr((void *)&ckpt_rt, &info) && info.dli_fname && stat(info.dli_fname, &st) == 0)
		own_ino = st.st_ino;
}

struct layout {
	struct ckpt_img_proc proc;
	uint64_t nregions, nruns, strings;
	struct ckpt_img_region *regions;
	struct ckpt_img_run *runs;
	char *strtab;
	uint64_t *pagemap;
};

static uint64_t add_string(struct layout *l, const char *s)
{
	uint64_t off = l->strings;
	size_t n = ckpt_strlen(s) + 1;
	memcpy(l->strtab + off, s, n);
	l->strings += n;
	return off;
}

static int is_shared_anon_path(const char *p)
{
	return ckpt_startswith(p, "/dev/zero") || ckpt_startswith(p, "/SYSV") || ckpt_startswith(p, "/memfd:");
}

static int deleted(const char *p)
{
	size_t n = ckpt_strlen(p), k = sizeof " (deleted)" - 1;
	return n > k && !memcmp(p + n - k, " (deleted)", k);
}

static uint32_t prot_of(const char *perms)
{
	return (perms[0] == 'r' ? CKPT_PROT_R : 0) | (perms[1] == 'w' ? CKPT_PROT_W : 0) |
	       (perms[2] == 'x' ? CKPT_PROT_X : 0);
}

/* Decides which pages of a region to save and appends their runs. */
static int plan_pages(struct layout *l, struct ckpt_img_region *r, int pm_fd, uint64_t *data_off, int whole)
{
	int anon_like = r->kind == CKPT_MEM_ANON || r->kind == CKPT_MEM_HEAP || r->kind == CKPT_MEM_STACK ||
			r->kind == CKPT_MEM_SHARED_ANON;
	int private_file = r->kind == CKPT_MEM_FILE;
	r->first_run = l->nruns;
	r->nruns = 0;
	r->saved_bytes = 0;
	if (!anon_like && !private_file)
		return 0;
	uint64_t npages = (r->end - r->start) / CKPT_PAGE;
	struct ckpt_img_run *cur = 0;
	for (uint64_t base = 0; base < npages; base += PAGEMAP_CHUNK) {
		uint64_t n = npages - base < PAGEMAP_CHUNK ? npages - base : PAGEMAP_CHUNK;
		long got = SYS4(SYS_pread64, pm_fd, l->pagemap, n * 8, ((r->start / CKPT_PAGE) + base) * 8);
		if (got != (long)(n * 8))
			return ckpt_fail("cannot read the page map at %lx", r->start + base * CKPT_PAGE);
		for (uint64_t i = 0; i < n; i++) {
			uint64_t e = l->pagemap[i];
			int save = whole || (anon_like ? (e & (PM_PRESENT | PM_SWAPPED)) != 0
						       : ((e & PM_PRESENT) && !(e & PM_FILE)) || (e & PM_SWAPPED));
			uint64_t addr = r->start + (base + i) * CKPT_PAGE;
			if (!save) {
				cur = 0;
				continue;
			}
			if (cur && cur->addr + cur->npages * CKPT_PAGE == addr) {
				cur->npages++;
			} else {
				if ((char *)(l->runs + l->nruns + 1) > scratch + SCRATCH_SIZE)
					return ckpt_fail("too many memory runs");
				cur = &l->runs[l->nruns++];
				cur->addr = addr;
				cur->npages = 1;
				cur->data_offset = *data_off;
				r->nruns++;
			}
			*data_off += CKPT_PAGE;
			r->saved_bytes += CKPT_PAGE;
		}
	}
	return 0;
}

static int parse_maps(struct layout *l, const char *text, int pm_fd, uint64_t *data_off)
{
	for (const char *line = text; *line;) {
		const char *p = line;
		while (*line && *line != '\n')
			line++;
		if (*line)
			line++;
		uint64_t start = ckpt_parse_hex(&p);
		p++; /* '-' */
		uint64_t end = ckpt_parse_hex(&p);
		while (*p == ' ')
			p++;
		char perms[5];
		memcpy(perms, p, 4);
		perms[4] = 0;
		p += 4;
		uint64_t offset = ckpt_parse_hex(&p);
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')
			p++; /* dev */
		long inode = ckpt_parse_long(&p);
		while (*p == ' ')
			p++;
		char path[4096];
		size_t pl = 0;
		while (*p && *p != '\n' && pl + 1 < sizeof path)
			path[pl++] = *p++;
		path[pl] = 0;

		if (start >= (uint64_t)scratch && end <= scratch_end)
			continue; /* the engine's own scratch */
		struct ckpt_img_region *r = &l->regions[l->nregions++];
		memset(r, 0, sizeof *r);
		int save_whole = 0;
		r->start = start;
		r->end = end;
		r->prot = prot_of(perms);
		r->file_offset = offset;
		r->path = ~0ull;
		int shared = perms[3] == 's';
		if (!strcmp(path, "[vdso]")) {
			r->kind = CKPT_MEM_VDSO;
			l->proc.vdso_start = start;
			l->proc.vdso_end = end;
		} else if (!strcmp(path, "[vvar]")) {
			r->kind = CKPT_MEM_VVAR;
			l->proc.vvar_start = start;
			l->proc.vvar_end = end;
		} else if (!strcmp(path, "[vvar_vclock]")) {
			r->kind = CKPT_MEM_VCLOCK;
			l->proc.vclock_start = start;
			l->proc.vclock_end = end;
		} else if (!strcmp(path, "[vsyscall]")) {
			r->kind = CKPT_MEM_VSYSCALL;
		} else if (!strcmp(path, "[heap]")) {
			r->kind = CKPT_MEM_HEAP;
		} else if (!strcmp(path, "[stack]")) {
			r->kind = CKPT_MEM_STACK;
		} else if (path[0] == '/' && inode && (uint64_t)inode == own_ino) {
			r->kind = CKPT_MEM_ANON; /* restored from the image, see own_ino */
		} else if (path[0] == '/' && inode && !is_shared_anon_path(path) && deleted(path)) {
			/* unlinked while mapped (a POSIX semaphore after sem_unlink,
			 * shm_open then shm_unlink): no name is left to map it by, so
			 * its pages are saved whole; shared, it is shared memory by its
			 * inode (see restore/shared_anon.c) */
			r->kind = shared ? CKPT_MEM_SHARED_ANON : CKPT_MEM_ANON;
			if (shared)
				r->ino = (uint64_t)inode;
			save_whole = 1;
		} else if (path[0] == '/' && inode && !is_shared_anon_path(path)) {
			r->kind = shared ? CKPT_MEM_SHARED_FILE : CKPT_MEM_FILE;
			struct stat st;
			if (SYS2(SYS_stat, path, &st) < 0 || (long)st.st_ino != inode)
				return ckpt_fail("the file mapped at %lx (%s) was deleted or replaced", start, path);
			r->dev = st.st_dev;
			r->ino = st.st_ino;
			r->file_size = (uint64_t)st.st_size;
			r->mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;
		} else {
			r->kind = shared ? CKPT_MEM_SHARED_ANON : CKPT_MEM_ANON;
			/* the shared object's identity: processes that map the same one
			 * share it again after a restart */
			if (shared)
				r->ino = (uint64_t)inode;
		}
		if (path[0])
			r->path = add_string(l, path);
		int whole = ((own_ino && (uint64_t)inode == own_ino) || save_whole) && (r->prot & CKPT_PROT_R);
		if (plan_pages(l, r, pm_fd, data_off, whole) < 0)
			return -1;
	}
	return 0;
}

/* The fields of /proc/self/stat after the command name, 1-based as in proc(5). */
static void stat_fields(uint64_t *out, int first, int last)
{
	char buf[2048];
	if (ckpt_read_file("/proc/self/stat", buf, sizeof buf) <= 0)
		return;
	const char *p = buf;
	for (const char *q = buf; *q; q++)
		if (*q == ')')
			p = q + 1;
	for (int field = 3; *p && field <= last; field++) {
		while (*p == ' ')
			p++;
		if (*p == '-') {
			while (*p && *p != ' ')
				p++;
			continue;
		}
		const char *s = p;
		uint64_t v = (uint64_t)ckpt_parse_long(&s);
		if (field >= first)
			out[field - first] = v;
		while (*p && *p != ' ')
			p++;
	}
}

static void fill_proc(struct ckpt_img_proc *pr)
{
	uint64_t f[51 - 25 + 1];
	memset(f, 0, sizeof f);
	stat_fields(f, 25, 51);
#define F(n) f[(n) - 25]
	pr->start_code = F(26);
	pr->end_code = F(27);
	pr->start_stack = F(28);
	pr->start_data = F(45);
	pr->end_data = F(46);
	pr->start_brk = F(47);
	pr->arg_start = F(48);
	pr->arg_end = F(49);
	pr->env_start = F(50);
	pr->env_end = F(51);
#undef F
	pr->brk = (uint64_t)SYS1(SYS_brk, 0);
	pr->vpid = ckpt_rt.vpid;
	pr->pid = ckpt_rt.real_pid;
	pr->vppid = ckpt_rt.vppid;
	pr->ppid = (int32_t)SYS0(SYS_getppid);
	pr->pgid = (int32_t)SYS1(SYS_getpgid, 0);
	pr->sid = (int32_t)SYS1(SYS_getsid, 0);
	pr->nthreads = (uint32_t)ckpt_threads_count_captured();
	uint32_t mask = (uint32_t)SYS1(SYS_umask, 022);
	SYS1(SYS_umask, mask);
	pr->umask = mask;
	struct timespec ts;
	SYS2(SYS_clock_gettime, CLOCK_REALTIME, &ts);
	pr->time_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	pr->runtime_addr = (uint64_t)&ckpt_rt;
	pr->main_entry_addr = (uint64_t)ckpt_restart_main_entry;
	pr->thread_entry_addr = (uint64_t)ckpt_restart_thread_entry;
	pr->personality = (uint32_t)SYS1(SYS_personality, 0xffffffff);
	pr->rlimit_count = RLIMIT_NLIMITS < 16 ? RLIMIT_NLIMITS : 16;
	for (uint32_t i = 0; i < pr->rlimit_count; i++)
		SYS4(SYS_prlimit64, 0, i, 0, &pr->rlimits[i]);
	char comm[64];
	long n = ckpt_read_file("/proc/self/comm", comm, sizeof comm);
	if (n > 0 && comm[n - 1] == '\n')
		comm[n - 1] = 0;
	ckpt_strlcpy(pr->comm, comm, sizeof pr->comm);
	long l = SYS3(SYS_readlink, "/proc/self/cwd", pr->cwd, sizeof pr->cwd - 1);
	pr->cwd[l > 0 ? l : 0] = 0;
	l = SYS3(SYS_readlink, "/proc/self/exe", pr->exe, sizeof pr->exe - 1);
	pr->exe[l > 0 ? l : 0] = 0;
}

/* Pages go through a buffer: the engine's own variables and the leader's stack
 * change while they are written (the checksum state itself lives in memory), so
 * the bytes hashed and the bytes written must be the same copy. A chunk that
 * fits in cache keeps the copy cheap. */
#define COPY_CHUNK (1ul << 20)

static int write_region_data(struct ckpt_writer *w, struct layout *l, struct ckpt_img_region *r, int mem_fd)
{
	char *buf = (char *)l->pagemap;
	for (uint64_t i = 0; i < r->nruns; i++) {
		struct ckpt_img_run *run = &l->runs[r->first_run + i];
		uint64_t len = run->npages * CKPT_PAGE;
		for (uint64_t done = 0; done < len;) {
			uint64_t n = len - done > COPY_CHUNK ? COPY_CHUNK : len - done;
			if (r->prot & CKPT_PROT_R)
				memcpy(buf, (const void *)(run->addr + done), n);
			else if (SYS4(SYS_pread64, mem_fd, buf, n, run->addr + done) != (long)n)
				return ckpt_fail("cannot read memory at %lx", run->addr + done);
			if (ckpt_section_write(w, buf, n) < 0)
				return -1;
			done += n;
		}
	}
	return 0;
}

static int memory_checkpoint(struct ckpt_writer *w)
{
	long m = SYS6(SYS_mmap, 0, SCRATCH_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m < 0 && m > -4096)
		return ckpt_fail("cannot allocate working memory for the checkpoint");
	scratch = (char *)m;
	scratch_end = (uint64_t)m + SCRATCH_SIZE;
	int rc = -1, pm_fd = -1, mem_fd = -1;
	struct layout *l = (struct layout *)scratch;
	memset(l, 0, sizeof *l);
	char *maps = scratch + ((sizeof *l + 4095) & ~4095ul); /* after the layout, which holds paths */
	l->pagemap = (uint64_t *)(maps + MAPS_MAX);
	l->regions = (struct ckpt_img_region *)((char *)l->pagemap + PAGEMAP_CHUNK * 8);
	l->strtab = (char *)(l->regions + 65536);
	l->runs = (struct ckpt_img_run *)(l->strtab + (8ul << 20));

	long n = ckpt_read_file("/proc/self/maps", maps, MAPS_MAX);
	pm_fd = (int)SYS3(SYS_open, "/proc/self/pagemap", O_RDONLY | O_CLOEXEC, 0);
	mem_fd = (int)SYS3(SYS_open, "/proc/self/mem", O_RDONLY | O_CLOEXEC, 0);
	if (n <= 0 || pm_fd < 0 || mem_fd < 0) {
		ckpt_fail("cannot read the process's memory map");
		goto out;
	}
	uint64_t data_size = 0;
	if (parse_maps(l, maps, pm_fd, &data_size) < 0)
		goto out;
	fill_proc(&l->proc);

	if (ckpt_section_begin(w, CKPT_SEC_PROC, 0) < 0 || ckpt_section_write(w, &l->proc, sizeof l->proc) < 0 ||
	    ckpt_section_end(w) < 0)
		goto out;
	static char auxv[4096];
	long an = ckpt_read_file("/proc/self/auxv", auxv, sizeof auxv);
	if (ckpt_section_begin(w, CKPT_SEC_AUXV, 0) < 0 || ckpt_section_write(w, auxv, an > 0 ? (size_t)an : 0) < 0 ||
	    ckpt_section_end(w) < 0)
		goto out;

	/* page contents, page-aligned in the file so that they could be mapped */
	if (ckpt_writer_align(w, CKPT_PAGE) < 0 || ckpt_section_begin(w, CKPT_SEC_MEMDATA, 0) < 0)
		goto out;
	for (uint64_t i = 0; i < l->nregions; i++)
		if (write_region_data(w, l, &l->regions[i], mem_fd) < 0)
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
	if (pm_fd >= 0)
		SYS1(SYS_close, pm_fd);
	if (mem_fd >= 0)
		SYS1(SYS_close, mem_fd);
	SYS2(SYS_munmap, scratch, SCRATCH_SIZE);
	scratch = 0;
	scratch_end = 0;
	return rc;
}

static const struct ckpt_plugin memory_plugin = {
	.name = "memory",
	.order = 90, /* last: other plugins may still touch memory before it is saved */
	.checkpoint = memory_checkpoint,
};
CKPT_PLUGIN(memory_plugin)

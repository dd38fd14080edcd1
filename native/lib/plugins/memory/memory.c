/*
 * memory: the address space. While every thread is stopped, every mapping is
 * recorded (kind, protection, file identity) with the process section
 * (identity, the kernel's memory-layout fields, where the restorer re-enters
 * the library) and the auxiliary vector; which pages of each mapping are saved,
 * and their contents, are decided and written afterwards (pages.c), usually by
 * a forked writer while the program runs on. The vdso and vvar pages are the
 * kernel's: only their addresses are kept, and the restorer moves the new
 * process's own there.
 */
#include "layout.h"
#include "page_hashes.h"
#include "../../writer.h"
#include <dlfcn.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

extern char ckpt_restart_main_entry[], ckpt_restart_thread_entry[];

char *ckpt_mem_scratch;
uint64_t ckpt_mem_scratch_end;
#define scratch ckpt_mem_scratch
#define scratch_end ckpt_mem_scratch_end

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

static uint32_t prot_of(const char *perms)
{
	return (perms[0] == 'r' ? CKPT_PROT_R : 0) | (perms[1] == 'w' ? CKPT_PROT_W : 0) |
	       (perms[2] == 'x' ? CKPT_PROT_X : 0);
}

/* The kind of a region by its path; the file's identity for a file mapping.
 * Returns 1 when all its pages are to be saved, 0 when only those with data of
 * the process's own, -1 when the file changed. */
static int classify(struct layout *l, struct ckpt_img_region *r, const char *path, long inode, int shared)
{
	if (!strcmp(path, "[vdso]")) {
		r->kind = CKPT_MEM_VDSO;
		l->proc.vdso_start = r->start;
		l->proc.vdso_end = r->end;
	} else if (!strcmp(path, "[vvar]")) {
		r->kind = CKPT_MEM_VVAR;
		l->proc.vvar_start = r->start;
		l->proc.vvar_end = r->end;
	} else if (!strcmp(path, "[vvar_vclock]")) {
		r->kind = CKPT_MEM_VCLOCK;
		l->proc.vclock_start = r->start;
		l->proc.vclock_end = r->end;
	} else if (!strcmp(path, "[vsyscall]")) {
		r->kind = CKPT_MEM_VSYSCALL;
	} else if (!strcmp(path, "[heap]")) {
		r->kind = CKPT_MEM_HEAP;
	} else if (!strcmp(path, "[stack]")) {
		r->kind = CKPT_MEM_STACK;
	} else if (path[0] == '/' && inode && (uint64_t)inode == own_ino) {
		r->kind = CKPT_MEM_ANON; /* restored from the image, see own_ino */
	} else if (path[0] == '/' && inode && !is_shared_anon_path(path) && ckpt_endswith(path, " (deleted)")) {
		/* unlinked while mapped (a POSIX semaphore after sem_unlink,
		 * shm_open then shm_unlink): no name is left to map it by, so
		 * its pages are saved whole; shared, it is shared memory by its
		 * inode (see restore/shared_anon.c) */
		r->kind = shared ? CKPT_MEM_SHARED_ANON : CKPT_MEM_ANON;
		if (shared)
			r->ino = (uint64_t)inode;
		return 1;
	} else if (path[0] == '/' && inode && !is_shared_anon_path(path)) {
		r->kind = shared ? CKPT_MEM_SHARED_FILE : CKPT_MEM_FILE;
		struct stat st;
		if (SYS2(SYS_stat, path, &st) < 0 || (long)st.st_ino != inode)
			return ckpt_fail("the file mapped at %lx (%s) was deleted or replaced", r->start, path);
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
	return 0;
}

/* The regions, from /proc/self/maps. Which of their pages are saved is
 * decided later, by the writer (pages.c). */
static int parse_maps(struct layout *l, const char *text)
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

		if ((start >= (uint64_t)scratch && end <= scratch_end) || ckpt_own_memory(start, end))
			continue; /* the engine's own scratch, page hashes and replay log */
		if (l->nregions >= MAX_REGIONS)
			return ckpt_fail("more than %d memory mappings", MAX_REGIONS);
		struct region_plan *rp = &l->plan[l->nregions];
		struct ckpt_img_region *r = &l->regions[l->nregions++];
		memset(r, 0, sizeof *r);
		memset(rp, 0, sizeof *rp);
		r->start = start;
		r->end = end;
		r->prot = prot_of(perms);
		r->file_offset = offset;
		r->path = ~0ull;
		int save_whole = classify(l, r, path, inode, perms[3] == 's');
		if (save_whole < 0)
			return -1;
		if (path[0])
			r->path = add_string(l, path);
		rp->own = own_ino && (uint64_t)inode == own_ino;
		rp->whole = (rp->own || save_whole) && (r->prot & CKPT_PROT_R);
		/* memory shared with others changes while the writer runs, and
		 * advised regions are not in its copy as they are here */
		rp->aside = r->kind == CKPT_MEM_SHARED_ANON || ckpt_mem_advised_not_copied(start, end) ? ASIDE_WHOLE : 0;
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

void ckpt_memory_release(void)
{
	struct layout *l = (struct layout *)scratch;
	if (l && l->aside)
		SYS2(SYS_munmap, l->aside, l->aside_size);
	if (scratch)
		SYS2(SYS_munmap, scratch, SCRATCH_SIZE);
	scratch = 0;
	scratch_end = 0;
}

/* Carves the working memory: the layout, then the maps text, the pagemap
 * buffer, the regions and their plans, the strings and the runs. */
static struct layout *carve(void)
{
	struct layout *l = (struct layout *)scratch;
	memset(l, 0, sizeof *l);
	l->maps = scratch + ((sizeof *l + 4095) & ~4095ul); /* after the layout, which holds paths */
	l->pagemap = (uint64_t *)(l->maps + MAPS_MAX);
	l->regions = (struct ckpt_img_region *)((char *)l->pagemap + PAGEMAP_CHUNK * 8);
	l->plan = (struct region_plan *)(l->regions + MAX_REGIONS);
	l->strtab = (char *)(l->plan + MAX_REGIONS);
	/* an increment's parent regions and segments */
	l->par_regions = (struct ckpt_img_region *)(l->strtab + (8ul << 20));
	l->segs = (struct segment *)(l->par_regions + MAX_REGIONS);
	/* the set-aside regions' runs first, the whole plan's after them */
	l->aside_runs = (struct ckpt_img_run *)(l->segs + SEGS_MAX);
	l->runs_end = (struct ckpt_img_run *)(scratch + SCRATCH_SIZE);
	return l;
}

/* With every thread stopped: the regions, the process and auxv sections, and
 * the copies set aside. The pages are chosen and written by
 * ckpt_memory_write_pages, in this process or in a forked writer. */
static int memory_checkpoint(struct ckpt_writer *w)
{
	ckpt_memory_release();
	/* shared: never merged with a private mapping of the program's next to
	 * it, and never write-protected by the dirty-page tracking; the
	 * program's side unmaps it once a forked writer has it */
	long m = SYS6(SYS_mmap, 0, SCRATCH_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1,
		      0);
	if (m < 0 && m > -4096)
		return ckpt_fail("cannot allocate working memory for the checkpoint");
	scratch = (char *)m;
	scratch_end = (uint64_t)m + SCRATCH_SIZE;
	struct layout *l = carve();
	long n = ckpt_read_file("/proc/self/maps", l->maps, MAPS_MAX);
	if (n <= 0 || n >= (long)MAPS_MAX - 1) {
		ckpt_fail(n <= 0 ? "cannot read the process's memory map" : "the process's memory map is too large to save");
		goto fail;
	}
	if (parse_maps(l, l->maps) < 0)
		goto fail;
	fill_proc(&l->proc);
	if (ckpt_section_begin(w, CKPT_SEC_PROC, 0) < 0 || ckpt_section_write(w, &l->proc, sizeof l->proc) < 0 ||
	    ckpt_section_end(w) < 0)
		goto fail;
	static char auxv[4096];
	long an = ckpt_read_file("/proc/self/auxv", auxv, sizeof auxv);
	if (ckpt_section_begin(w, CKPT_SEC_AUXV, 0) < 0 || ckpt_section_write(w, auxv, an > 0 ? (size_t)an : 0) < 0 ||
	    ckpt_section_end(w) < 0)
		goto fail;
	if (ckpt_mem_set_aside(l) < 0 || ckpt_mem_plan_increment(w, l) < 0)
		goto fail;
	ckpt_mem_copy_written(l, ckpt_mem_order_forks());
	return 0;
fail:
	ckpt_memory_release();
	return -1;
}

/* The image was written while the working memory existed, and a restored
 * process has none: its pointers are stale. */
static void memory_restart(void)
{
	scratch = 0;
	scratch_end = 0;
	ckpt_mem_forget_parent(); /* untracked until armed again: the next image is whole */
	ckpt_hashes_forget(0);     /* never saved: the pointers are stale */
	ckpt_mem_written_forget(0);
}

/* A forked child's images are its own; it never wrote the parent's. */
static void memory_after_fork(int parent_vpid, int parent_real_pid)
{
	ckpt_mem_forget_parent();
	ckpt_hashes_forget(1);
	ckpt_mem_written_forget(1);
}

static const struct ckpt_plugin memory_plugin = {
	.name = "memory",
	.order = 90, /* last: other plugins may still touch memory before it is saved */
	.checkpoint = memory_checkpoint,
	.restart = memory_restart,
	.after_fork = memory_after_fork,
	.answer = ckpt_mem_copied_answer,
};
CKPT_PLUGIN(memory_plugin)

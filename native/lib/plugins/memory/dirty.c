/*
 * Dirty-page tracking through asynchronous userfaultfd write-protection and
 * PAGEMAP_SCAN (see dirty.h for the contract). Runs in signal context with
 * the program stopped, except ckpt_dirty_step_aside(), which the wrappers
 * call from the program's own threads.
 */
#include "../../engine.h"
#include "../../../include/ckpt_proc.h"
#include "dirty.h"
#include "dirty_uapi.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define PAGE 4096ull
#define UFFD_FD_MIN 1000 /* out of the program's way, like the engine connection */
#define WINDOW (1ull << 30) /* one pass of the three scans */
#define VEC_MAX 4096	    /* runs per scan and pass; a fuller pass is cut short */

/* The userfaultfd is ours only in the process that made it (owner) and only
 * while the fd number still names it (a program may close or dup2 over any
 * fd): both are checked before each use. Each userfaultfd has an inode of its
 * own on the kernels that have PAGEMAP_SCAN (unlike eventfd or epoll). */
static int uffd = -1;
static int owner_pid;
static uint64_t uffd_dev, uffd_ino;
/* 1 once everything was protected by an arm; 0 in a new child, after a
 * restart, after forget */
static int armed;
static volatile int base_invalid;
static volatile int stepped_aside;
static int probed;
static const char *hash_why;
static char why_buf[160];

static struct ckpt_page_region vec_untracked[VEC_MAX], vec_dropped[VEC_MAX], vec_written[VEC_MAX];
static char maps_buf[65536];

static int real_pid(void) { return (int)SYS0(SYS_getpid); }

static int identity_matches(int fd)
{
	struct stat st;
	return fd >= 0 && SYS2(SYS_fstat, fd, &st) == 0 && (uint64_t)st.st_dev == uffd_dev &&
	       (uint64_t)st.st_ino == uffd_ino;
}

/* /proc/self/pagemap stays open from a snapshot's first scan to its arm: an
 * open costs some 20 us here and a process may have hundreds of regions. It
 * names the memory of the process that opened it, so it is ours on the same
 * terms as the userfaultfd: in this process, and while its number names it. */
static int pm_fd = -1;
static int pm_owner;
static uint64_t pm_dev, pm_ino;

static int pm_identity(int fd)
{
	struct stat st;
	return fd >= 0 && SYS2(SYS_fstat, fd, &st) == 0 && (uint64_t)st.st_dev == pm_dev &&
	       (uint64_t)st.st_ino == pm_ino;
}

int ckpt_dirty_fd_is_ours(int fd)
{
	return fd >= 0 && ((fd == uffd && identity_matches(fd)) || (fd == pm_fd && pm_identity(fd)));
}

/* Our userfaultfd, usable by this process: made here and still at its number. */
static int owned(void) { return uffd >= 0 && owner_pid == real_pid() && identity_matches(uffd); }

static void say_hash(const char *why)
{
	ckpt_strlcpy(why_buf, why, sizeof why_buf);
	hash_why = why_buf;
}

/* Drops this process's claim: closes the fd only if it still names our
 * userfaultfd (after a restart the number may be one of the program's). */
static void drop_fd(void)
{
	if (uffd >= 0 && identity_matches(uffd))
		SYS1(SYS_close, uffd);
	uffd = -1;
	armed = 0;
}

static int open_uffd(void)
{
	long fd = SYS1(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | CKPT_UFFD_USER_MODE_ONLY);
	if (fd < 0) {
		ckpt_fmt(why_buf, sizeof why_buf, "the kernel refused userfaultfd (errno %ld)", -fd);
		hash_why = why_buf;
		return -1;
	}
	struct ckpt_uffdio_api api = {
		.api = CKPT_UFFD_API,
		.features = CKPT_UFFD_FEATURE_WP_ASYNC | CKPT_UFFD_FEATURE_WP_UNPOPULATED,
	};
	if (SYS3(SYS_ioctl, fd, CKPT_UFFDIO_API, &api) < 0) {
		SYS1(SYS_close, fd);
		say_hash("the kernel has no asynchronous userfaultfd write-protection (Linux 6.7 or later)");
		return -1;
	}
	long high = SYS3(SYS_fcntl, fd, F_DUPFD_CLOEXEC, UFFD_FD_MIN);
	if (high >= 0) {
		SYS1(SYS_close, fd);
		fd = high;
	}
	struct stat st;
	SYS2(SYS_fstat, fd, &st);
	uffd = (int)fd;
	uffd_dev = (uint64_t)st.st_dev;
	uffd_ino = (uint64_t)st.st_ino;
	owner_pid = real_pid();
	armed = 0;
	return 0;
}

/* One PAGEMAP_SCAN of [start, end) into vec; returns the number of runs and
 * sets *walked to where the listing is complete. The kernel stops early only
 * when vec is full, and then after its last run; its own walk_end is not
 * relied on (Linux 6.18 sets it short of runs it did list and protect). */
static long pm_scan(int pm, uint64_t start, uint64_t end, struct ckpt_page_region *vec, uint64_t flags,
		    uint64_t inverted, uint64_t mask, uint64_t *walked)
{
	/* Linux 6.18 counts a page that is not there at all (dropped) as written;
	 * "written" here means also present or swapped, so that the dropped ones
	 * are left to the dropped scan. */
	uint64_t anyof = mask == CKPT_PAGE_IS_WRITTEN ? CKPT_PAGE_IS_PRESENT | CKPT_PAGE_IS_SWAPPED : 0;
	struct ckpt_pm_scan_arg a = {
		.size = sizeof a,
		.flags = flags,
		.start = start,
		.end = end,
		.vec = (uint64_t)vec,
		.vec_len = VEC_MAX,
		.category_inverted = inverted,
		.category_mask = mask,
		.category_anyof_mask = anyof,
		.return_mask = mask,
	};
	long n = SYS3(SYS_ioctl, pm, CKPT_PAGEMAP_SCAN, &a);
	if (n < 0)
		return n;
	*walked = n < VEC_MAX ? end : vec[n - 1].end;
	if (*walked <= start || *walked > end)
		return -1; /* no progress: never expected, never looped on */
	return n;
}

static int open_pagemap(void)
{
	return (int)SYS2(SYS_open, "/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
}

static void pagemap_close(void)
{
	if (pm_fd >= 0 && pm_identity(pm_fd))
		SYS1(SYS_close, pm_fd);
	pm_fd = -1;
}

static int pagemap(void)
{
	if (pm_fd >= 0 && pm_owner == real_pid() && pm_identity(pm_fd))
		return pm_fd;
	pagemap_close(); /* a forked child's copy names its parent's memory */
	long fd = open_pagemap();
	if (fd < 0)
		return -1;
	long high = SYS3(SYS_fcntl, fd, F_DUPFD_CLOEXEC, UFFD_FD_MIN);
	if (high >= 0) {
		SYS1(SYS_close, fd);
		fd = high;
	}
	struct stat st;
	SYS2(SYS_fstat, fd, &st);
	pm_dev = (uint64_t)st.st_dev;
	pm_ino = (uint64_t)st.st_ino;
	pm_owner = real_pid();
	pm_fd = (int)fd;
	return pm_fd;
}

/* Whether this kernel answers PAGEMAP_SCAN (6.7 and later). */
static int scan_supported(void)
{
	int pm = open_pagemap();
	if (pm < 0)
		return 0;
	uint64_t walk_end;
	uint64_t here = (uint64_t)&uffd & ~(PAGE - 1);
	long n = pm_scan(pm, here, here + PAGE, vec_untracked, 0, 0, CKPT_PAGE_IS_PRESENT, &walk_end);
	SYS1(SYS_close, pm);
	return n >= 0;
}

/* Another userfaultfd in this process: the program's (made without the
 * wrappers seeing it, or before the engine was loaded). */
static int program_uffd(void)
{
	struct ckpt_procdir dir;
	if (ckpt_procdir_open(&dir, "/proc/self/fd") < 0)
		return -1;
	int found = -1;
	for (int fd; found < 0 && (fd = ckpt_procdir_next(&dir)) >= 0;) {
		char link[64], target[64];
		if (fd == dir.fd || ckpt_dirty_fd_is_ours(fd))
			continue;
		ckpt_format_fd_link(link, sizeof link, fd);
		long l = SYS3(SYS_readlink, link, target, sizeof target - 1);
		target[l > 0 ? l : 0] = 0;
		if (ckpt_startswith(target, "anon_inode:[userfaultfd]"))
			found = fd;
	}
	ckpt_procdir_close(&dir);
	return found;
}

struct map_entry {
	uint64_t start, end;
	char perms[5];
	const char *path;
};

/* Calls fn for each line of /proc/self/maps. The file is read in chunks; the
 * kernel resumes each read after the last address it returned, so regions
 * that fn changes (registering splits or merges them) are seen once. */
static void for_each_map(void (*fn)(const struct map_entry *m))
{
	int fd = (int)SYS2(SYS_open, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	size_t have = 0;
	for (;;) {
		long r = SYS3(SYS_read, fd, maps_buf + have, sizeof maps_buf - 1 - have);
		if (r <= 0)
			break;
		have += (size_t)r;
		maps_buf[have] = 0;
		char *line = maps_buf;
		for (char *nl; (nl = __builtin_strchr(line, '\n'));) {
			*nl = 0;
			struct map_entry m;
			const char *p = line;
			m.start = ckpt_parse_hex(&p);
			p++;
			m.end = ckpt_parse_hex(&p);
			p++;
			for (int i = 0; i < 4; i++)
				m.perms[i] = *p ? *p++ : '-';
			m.perms[4] = 0;
			for (int field = 0; field < 3 && *p; field++) { /* offset, device, inode */
				while (*p == ' ')
					p++;
				while (*p && *p != ' ')
					p++;
			}
			while (*p == ' ')
				p++;
			m.path = p;
			fn(&m);
			line = nl + 1;
		}
		have -= (size_t)(line - maps_buf);
		__builtin_memmove(maps_buf, line, have);
	}
	SYS1(SYS_close, fd);
}

static void unregister_map(const struct map_entry *m)
{
	struct ckpt_uffdio_range r = { m->start, m->end - m->start };
	SYS3(SYS_ioctl, uffd, CKPT_UFFDIO_UNREGISTER, &r);
}

/* Unregisters every region from our userfaultfd and closes it. A forked
 * writer may still hold the file open, so closing alone would leave the
 * registrations in place. */
static void release_all(void)
{
	if (owned())
		for_each_map(unregister_map);
	drop_fd();
}

static int64_t armed_bytes;
static int arm_pm = -1;

/* Protects every page of [start, end), present or not (holes get the
 * kernel's protection markers). PAGEMAP_SCAN with nothing to list takes the
 * kernel's fast path: several times faster here than UFFDIO_WRITEPROTECT on
 * touched memory. */
static int protect_all(uint64_t start, uint64_t end)
{
	struct ckpt_pm_scan_arg a = {
		.size = sizeof a,
		.flags = CKPT_PM_SCAN_WP_MATCHING,
		.start = start,
		.end = end,
		.return_mask = CKPT_PAGE_IS_WRITTEN,
	};
	return SYS3(SYS_ioctl, arm_pm, CKPT_PAGEMAP_SCAN, &a) < 0 ? -1 : 0;
}

/* Registers [start, end) and protects every page of it. */
static void protect(uint64_t start, uint64_t end)
{
	struct ckpt_uffdio_register reg = { { start, end - start }, CKPT_UFFDIO_REGISTER_MODE_WP, 0 };
	if (SYS3(SYS_ioctl, uffd, CKPT_UFFDIO_REGISTER, &reg) < 0)
		return; /* the kernel refuses this kind of memory: it stays untracked */
	if (protect_all(start, end) < 0) {
		SYS3(SYS_ioctl, uffd, CKPT_UFFDIO_UNREGISTER, &reg.range);
		return;
	}
	armed_bytes += (int64_t)(end - start);
}

static int eligible(const struct map_entry *m)
{
	if (m->perms[1] != 'w' || m->perms[3] != 'p')
		return 0; /* read-only memory cannot change; shared memory is not the process's own */
	if (ckpt_startswith(m->path, "[v")) /* [vvar], [vdso], [vsyscall]: the kernel's */
		return 0;
	/* Private file mappings stay untracked: when MADV_DONTNEED drops the
	 * process's copy of a file page, the kernel keeps the page's protection
	 * marker, so a page that went back to the file's bytes would look
	 * unchanged. The copies in them are few (a library's data). */
	if (m->path[0] == '/')
		return 0;
	return m->end - m->start <= CKPT_DIRTY_REGION_MAX;
}

/* The first arm protects every eligible region whole; a later one only the
 * parts that are not tracked (new mappings, moved or grown ones): the parts
 * already tracked were protected again by their scans. */
static void arm_map(const struct map_entry *m)
{
	if (!eligible(m))
		return;
	if (!armed) {
		protect(m->start, m->end);
		return;
	}
	for (uint64_t s = m->start; s < m->end;) {
		uint64_t walk_end;
		long n = pm_scan(arm_pm, s, m->end, vec_untracked, 0, CKPT_PAGE_IS_WPALLOWED, CKPT_PAGE_IS_WPALLOWED,
				 &walk_end);
		if (n < 0)
			return; /* never expected; what is untracked stays so, and is saved whole */
		for (long i = 0; i < n; i++)
			protect(vec_untracked[i].start, vec_untracked[i].end);
		s = walk_end;
	}
}

int64_t ckpt_dirty_arm(void)
{
	if (stepped_aside || (hash_why && !owned()))
		return -1;
	if (!owned() || base_invalid) {
		release_all(); /* a forked child's inherited fd, or a base to forget */
		base_invalid = 0;
		if (open_uffd() < 0)
			return -1;
		if (!scan_supported()) {
			drop_fd();
			say_hash("the kernel has no PAGEMAP_SCAN (Linux 6.7 or later)");
			return -1;
		}
	}
	int theirs = program_uffd();
	if (theirs >= 0) {
		char why[96];
		ckpt_fmt(why, sizeof why, "the program uses userfaultfd itself (fd %d)", theirs);
		ckpt_dirty_step_aside(why);
		return -1;
	}
	arm_pm = pagemap();
	if (arm_pm < 0)
		return -1;
	armed_bytes = 0;
	for_each_map(arm_map);
	pagemap_close(); /* the snapshot's last use of it */
	armed = 1;
	return armed_bytes;
}

/* Passes runs on to the caller, joining runs of one kind that touch (a run
 * may straddle two passes). */
struct emitter {
	ckpt_dirty_fn fn;
	void *ctx;
	uint64_t start, end;
	unsigned kind;
	int stopped;
};

static void emit_flush(struct emitter *em)
{
	if (!em->stopped && em->end > em->start && em->fn(em->ctx, em->start, em->end, em->kind))
		em->stopped = 1;
	em->start = em->end = 0;
}

static void emit(struct emitter *em, uint64_t start, uint64_t end, unsigned kind)
{
	if (start >= end)
		return;
	if (em->end == start && em->kind == kind && em->end > em->start) {
		em->end = end;
		return;
	}
	emit_flush(em);
	em->start = start;
	em->end = end;
	em->kind = kind;
}

struct run_list {
	struct ckpt_page_region *v;
	long n, i;
	unsigned kind;
};

/* Emits the three sorted, disjoint lists as one ascending sequence, cut at end. */
static void emit_merged(struct emitter *em, struct run_list *l, int nl, uint64_t end)
{
	for (;;) {
		struct run_list *next = 0;
		for (int k = 0; k < nl; k++)
			if (l[k].i < l[k].n && l[k].v[l[k].i].start < end &&
			    (!next || l[k].v[l[k].i].start < next->v[next->i].start))
				next = &l[k];
		if (!next)
			return;
		struct ckpt_page_region *r = &next->v[next->i++];
		emit(em, r->start, r->end < end ? r->end : end, next->kind);
	}
}

/* One pass over [start, end): the untracked parts, the dropped pages and the
 * written ones (protected again as they are listed, so this scan goes last:
 * the two before it have no effect and may be cut short freely). Returns
 * where the pass ended, or 0 if the kernel refused. */
static uint64_t scan_pass(int pm, uint64_t start, uint64_t end, struct emitter *em)
{
	uint64_t w;
	long nu = pm_scan(pm, start, end, vec_untracked, 0, CKPT_PAGE_IS_WPALLOWED, CKPT_PAGE_IS_WPALLOWED, &w);
	if (nu < 0)
		return 0;
	end = w;
	uint64_t absent = CKPT_PAGE_IS_PRESENT | CKPT_PAGE_IS_SWAPPED;
	long nd = pm_scan(pm, start, end, vec_dropped, 0, absent, absent | CKPT_PAGE_IS_WPALLOWED, &w);
	if (nd < 0)
		return 0;
	end = w;
	long nw = pm_scan(pm, start, end, vec_written, CKPT_PM_SCAN_WP_MATCHING, 0, CKPT_PAGE_IS_WRITTEN, &w);
	if (nw < 0)
		return 0;
	end = w;
	/* dropped pages get their protection marker back, so that the next scan
	 * reports only what is dropped after this one */
	for (long i = 0; i < nd && vec_dropped[i].start < end; i++) {
		uint64_t e = vec_dropped[i].end < end ? vec_dropped[i].end : end;
		struct ckpt_uffdio_writeprotect wp = { { vec_dropped[i].start, e - vec_dropped[i].start },
						       CKPT_UFFDIO_WRITEPROTECT_MODE_WP };
		SYS3(SYS_ioctl, uffd, CKPT_UFFDIO_WRITEPROTECT, &wp);
	}
	struct run_list lists[3] = {
		{ vec_untracked, nu, 0, CKPT_DIRTY_UNTRACKED },
		{ vec_dropped, nd, 0, CKPT_DIRTY_DROPPED },
		{ vec_written, nw, 0, CKPT_DIRTY_WRITTEN },
	};
	emit_merged(em, lists, 3, end);
	return end;
}

int ckpt_dirty_scan(uint64_t start, uint64_t end, ckpt_dirty_fn fn, void *ctx)
{
	int pm = -1;
	if (base_invalid && owned())
		release_all(); /* forgotten: the protection goes, and with it the markers the page map shows */
	if (!armed || base_invalid || stepped_aside || !owned() || (pm = pagemap()) < 0)
		return fn(ctx, start, end, CKPT_DIRTY_UNTRACKED) ? -1 : 0;
	struct emitter em = { fn, ctx, 0, 0, 0, 0 };
	int refused = 0;
	for (uint64_t pos = start; pos < end && !em.stopped;) {
		uint64_t stop = end - pos > WINDOW ? pos + WINDOW : end;
		pos = scan_pass(pm, pos, stop, &em);
		if (!pos) {
			refused = 1;
			break;
		}
	}
	emit_flush(&em);
	return refused || em.stopped ? -1 : 0;
}

void ckpt_dirty_forget(void)
{
	base_invalid = 1;
	pagemap_close();
}

void ckpt_dirty_reset(void)
{
	drop_fd();
	pagemap_close();
	base_invalid = 0;
	probed = 0;
	if (!stepped_aside)
		hash_why = 0; /* a restarted process may run on another kernel: probe again */
}

void ckpt_dirty_step_aside(const char *why)
{
	if (__atomic_exchange_n(&stepped_aside, 1, __ATOMIC_SEQ_CST))
		return;
	say_hash(why);
	release_all();
	pagemap_close();
}

/* Before the first arm: whether an arm would work here (the kernel's
 * answer), so that the status can say it before any snapshot. */
static void probe(void)
{
	if (probed || hash_why || owned())
		return;
	probed = 1;
	if (open_uffd() < 0)
		return;
	if (!scan_supported())
		say_hash("the kernel has no PAGEMAP_SCAN (Linux 6.7 or later)");
	drop_fd();
}

const char *ckpt_dirty_mode(void)
{
	probe();
	return hash_why ? "hash" : "uffd-wp";
}

const char *ckpt_dirty_why(void)
{
	probe();
	return hash_why;
}

/*
 * inotify: file watches (tail -f, build watchers) come back at the same fd
 * with the same watch descriptors.
 *
 * The kernel does not say which path a watch is on (only the inode), so the
 * wrappers of inotify_add_watch and inotify_rm_watch keep a table of paths,
 * made absolute when the watch is added. At checkpoint the watches are read
 * from /proc/self/fdinfo (descriptor, inode, mask) and matched with the
 * table; a watch with no known path refuses the checkpoint, naming it. At
 * restart each instance is made anew at its fd number and its watches are
 * added again in order. A new instance hands out descriptors 1, 2, 3, ...
 * (after a removed one it goes on counting), so a gap where a watch had been
 * removed is filled by a watch on a scratch file, removed at once.
 *
 * Events that had happened but were not yet read at the checkpoint are not
 * saved; a watched path that is gone at restart is reported on stderr and its
 * descriptor left unused.
 */
#include "../../engine.h"
#include "inotify.h"
#include "../../../include/ckpt_proc.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---------- the table, kept by the wrappers ---------- */

struct known {
	int fd, wd;
	uint64_t ino;
	uint32_t flags; /* the lookup flags of the add: IN_DONT_FOLLOW, IN_ONLYDIR */
	char *path;     /* absolute, malloc'd */
};

static struct known *table;
static int ntable, captable;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void forget(int fd, int wd)
{
	for (int i = 0; i < ntable; i++)
		if (table[i].fd == fd && table[i].wd == wd) {
			free(table[i].path);
			table[i] = table[--ntable];
			return;
		}
}

static char *absolute(const char *path)
{
	if (path[0] == '/')
		return strdup(path);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return 0;
	size_t a = strlen(cwd), b = strlen(path);
	char *p = malloc(a + b + 2);
	if (p) {
		memcpy(p, cwd, a);
		p[a] = '/';
		memcpy(p + a + 1, path, b + 1);
	}
	return p;
}

CKPT_EXPORT int inotify_add_watch(int fd, const char *path, uint32_t mask)
{
	int wd = (int)SYS3(SYS_inotify_add_watch, fd, path, mask);
	if (wd < 0) {
		errno = -wd;
		return -1;
	}
	struct stat st;
	long r = (mask & IN_DONT_FOLLOW) ? SYS2(SYS_lstat, path, &st) : SYS2(SYS_stat, path, &st);
	char *abs = absolute(path);
	pthread_mutex_lock(&lock);
	forget(fd, wd); /* the same inode again: the kernel gave the same descriptor */
	if (abs && r == 0 && ntable == captable) {
		int cap = captable ? captable * 2 : 16;
		struct known *t = realloc(table, (size_t)cap * sizeof *t);
		if (t) {
			table = t;
			captable = cap;
		}
	}
	if (abs && r == 0 && ntable < captable)
		table[ntable++] = (struct known){ fd, wd, (uint64_t)st.st_ino, mask & (IN_DONT_FOLLOW | IN_ONLYDIR), abs };
	else
		free(abs); /* not kept: the checkpoint will name the watch */
	pthread_mutex_unlock(&lock);
	return wd;
}

CKPT_EXPORT int inotify_rm_watch(int fd, int wd)
{
	long r = SYS2(SYS_inotify_rm_watch, fd, wd);
	pthread_mutex_lock(&lock);
	forget(fd, wd);
	pthread_mutex_unlock(&lock);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return 0;
}

/* ---------- checkpoint: what each instance holds ---------- */

#define MAX_SAVED 4096

struct saved_watch {
	int fd, wd;
	uint32_t mask;
	const char *path; /* in the table, which is part of the image */
};

struct saved_instance {
	int fd, fl_flags, cloexec;
};

static struct saved_watch watches[MAX_SAVED];
static int nwatches;
static struct saved_instance instances[256];
static int ninstances;

static uint64_t parse_hex(const char **p)
{
	uint64_t v = 0;
	for (;; (*p)++) {
		char c = **p;
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return v;
		v = v * 16 + (uint64_t)d;
	}
}

static const char *field(const char *line, const char *key)
{
	for (const char *p = line; *p && *p != '\n'; p++)
		if (ckpt_startswith(p, key))
			return p + ckpt_strlen(key);
	return 0;
}

static int save_instance(int fd)
{
	if (ninstances == (int)(sizeof instances / sizeof instances[0]))
		return ckpt_fail("process %d: more than 256 inotify instances", ckpt_rt.vpid);
	instances[ninstances].fd = fd;
	instances[ninstances].fl_flags = (int)SYS2(SYS_fcntl, fd, F_GETFL);
	instances[ninstances].cloexec = (int)(SYS2(SYS_fcntl, fd, F_GETFD) & FD_CLOEXEC);
	ninstances++;
	static char text[65536];
	char path[64];
	ckpt_fmt(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	if (ckpt_read_file(path, text, sizeof text) < 0)
		return ckpt_fail("process %d, fd %d: cannot read the inotify watches", ckpt_rt.vpid, fd);
	for (const char *l = text; *l; l++) {
		if (ckpt_startswith(l, "inotify ")) {
			const char *w = field(l, "wd:"), *i = field(l, "ino:"), *m = field(l, "mask:");
			if (!w || !i || !m)
				return ckpt_fail("process %d, fd %d: an inotify watch the engine cannot read", ckpt_rt.vpid, fd);
			int wd = (int)parse_hex(&w);
			uint64_t ino = parse_hex(&i);
			uint32_t mask = (uint32_t)parse_hex(&m);
			const struct known *kn = 0;
			for (int t = 0; t < ntable; t++)
				if (table[t].fd == fd && table[t].wd == wd && table[t].ino == ino)
					kn = &table[t];
			if (!kn)
				return ckpt_fail("process %d, fd %d: inotify watch %d (inode %lu) was not added "
						 "through inotify_add_watch, its path is not known",
						 ckpt_rt.vpid, fd, wd, (unsigned long)ino);
			if (nwatches == MAX_SAVED)
				return ckpt_fail("process %d: more than %d inotify watches", ckpt_rt.vpid, MAX_SAVED);
			watches[nwatches++] = (struct saved_watch){ fd, wd, mask | kn->flags, kn->path };
		}
		while (*l && *l != '\n')
			l++;
		if (!*l)
			break;
	}
	return 0;
}

int ckpt_inotify_owns(const char *link) { return ckpt_startswith(link, "anon_inode:inotify"); }

static int inotify_checkpoint(struct ckpt_writer *w)
{
	(void)w;
	nwatches = ninstances = 0;
	struct ckpt_procdir dir;
	if (ckpt_procdir_open(&dir, "/proc/self/fd") < 0)
		return ckpt_fail("cannot list the process's files");
	int rc = 0;
	for (int fd; rc == 0 && (fd = ckpt_procdir_next(&dir)) >= 0;) {
		char link[64], target[64];
		ckpt_format_fd_link(link, sizeof link, fd);
		long l = SYS3(SYS_readlink, link, target, sizeof target - 1);
		target[l > 0 ? l : 0] = 0;
		if (ckpt_inotify_owns(target))
			rc = save_instance(fd);
	}
	ckpt_procdir_close(&dir);
	return rc;
}

/* ---------- restart: the instances again ---------- */

static void warn(const char *a, const char *b, const char *c)
{
	SYS3(SYS_write, 2, a, ckpt_strlen(a));
	SYS3(SYS_write, 2, b, ckpt_strlen(b));
	SYS3(SYS_write, 2, c, ckpt_strlen(c));
}

static char scratch[64];
static int made_scratch, skipped;

/* Takes the next descriptor out of the count with a watch on a scratch file. */
static void skip_wd(int fd)
{
	if (!made_scratch) {
		long s = SYS3(SYS_open, scratch, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		if (s >= 0)
			SYS1(SYS_close, s);
		made_scratch = 1;
	}
	int wd = (int)SYS3(SYS_inotify_add_watch, fd, scratch, IN_ATTRIB);
	if (wd > 0)
		SYS2(SYS_inotify_rm_watch, fd, wd);
	skipped = 1;
}

static void inotify_restart(void)
{
	if (!ninstances)
		return;
	/* a scratch file for gaps, made only if one is needed */
	ckpt_fmt(scratch, sizeof scratch, "/tmp/.ckpt-inotify-%d", ckpt_rt.real_pid);
	made_scratch = 0;
	for (int n = 0; n < ninstances; n++) {
		struct saved_instance *in = &instances[n];
		int flags = (in->fl_flags & O_NONBLOCK ? IN_NONBLOCK : 0) | IN_CLOEXEC;
		int fd = (int)SYS1(SYS_inotify_init1, flags);
		if (fd < 0) {
			warn("ckpt: cannot make an inotify instance again", "", "\n");
			continue;
		}
		if (fd != in->fd) {
			SYS3(SYS_dup3, fd, in->fd, in->cloexec ? O_CLOEXEC : 0);
			SYS1(SYS_close, fd);
			fd = in->fd;
		} else if (!in->cloexec) {
			SYS3(SYS_fcntl, fd, F_SETFD, 0);
		}
		/* in descriptor order: the kernel counts up from 1 */
		int next = 1;
		skipped = 0;
		for (;;) {
			struct saved_watch *best = 0;
			for (int i = 0; i < nwatches; i++)
				if (watches[i].fd == in->fd && watches[i].wd >= next && (!best || watches[i].wd < best->wd))
					best = &watches[i];
			if (!best)
				break;
			while (next < best->wd) {
				skip_wd(fd);
				next++;
			}
			int wd = (int)SYS3(SYS_inotify_add_watch, fd, best->path, best->mask);
			if (wd < 0) {
				warn("ckpt: the inotify watch on ", best->path, " could not be made again\n");
				skip_wd(fd);
			} else if (wd != best->wd) {
				warn("ckpt: the inotify watch on ", best->path, " has another descriptor now\n");
			}
			next = best->wd + 1;
		}
		/* each scratch watch removed left an IN_IGNORED event: take them out
		 * (the program is not running yet; a change to a watched file in
		 * these microseconds goes with them) */
		if (skipped) {
			SYS3(SYS_fcntl, fd, F_SETFL, in->fl_flags | O_NONBLOCK);
			char buf[4096];
			while (SYS3(SYS_read, fd, buf, sizeof buf) > 0)
				;
			SYS3(SYS_fcntl, fd, F_SETFL, in->fl_flags);
		}
	}
	if (made_scratch)
		SYS1(SYS_unlink, scratch);
}

static const struct ckpt_plugin inotify_plugin = {
	.name = "inotify",
	.order = 35,
	.checkpoint = inotify_checkpoint,
	.restart = inotify_restart,
};
CKPT_PLUGIN(inotify_plugin)

/*
 * Which of a process's fds 0, 1 and 2 are the computation's standard input,
 * output and error (a restart gives the restarting command's own instead),
 * and which are files of the process's own that sit at those numbers (`cmd >
 * log` or `cmd < fifo` in a shell's child), reopened by path like any other.
 *
 * The computation's are the files the first process had at 0, 1 and 2 when
 * it started, by device and inode. Forked children have them in memory;
 * exec'd ones from the environment, where the exec wrappers (ids/exec.c) put
 * them (CKPT_STDIO=DEV:INO,...; the library never calls setenv);
 * after a restart they are the files the restarting command gave, read back
 * from the fds where the restorer put them.
 *
 * Part of the core, not of the files plugin: it is a fact about the whole
 * computation that both the fd table (files plugin) and the exec wrappers
 * (ids plugin) need, and neither plugin should reach into the other for it.
 */
#include "engine.h"
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>

#define STDIO_VAR "CKPT_STDIO="

/* by fd number: fd 2 at /dev/null is not the computation's stderr because
 * its stdin was /dev/null */
static struct {
	uint64_t dev, ino;
	int known;
} ids[3];
static int recorded; /* 0: not known (before the constructor); every fd 0-2 then counts as the computation's */

static int same(int k, const struct stat *st)
{
	return ids[k].known && ids[k].dev == (uint64_t)st->st_dev && ids[k].ino == (uint64_t)st->st_ino;
}

int ckpt_stdio_is_computations(int fd, const struct stat *st)
{
	if (!recorded)
		return 1;
	if (fd >= 0 && fd <= 2 && same(fd, st))
		return 1;
	/* `2>&1` in a child: the computation's stdout at fd 2. Not /dev/null:
	 * it is everybody's, and a program's own `2>/dev/null` stays its own */
	if (S_ISCHR(st->st_mode) && st->st_rdev == makedev(1, 3))
		return 0;
	return same(0, st) || same(1, st) || same(2, st);
}

/* "CKPT_STDIO=..." into buf (CKPT_STDIO_MAX bytes); 0 when not known */
int ckpt_stdio_env(char *buf)
{
	if (!recorded)
		return 0;
	int n = ckpt_fmt(buf, CKPT_STDIO_MAX, "%s", STDIO_VAR);
	for (int i = 0; i < 3; i++) /* "-" for an fd that was closed */
		n += ids[i].known ? ckpt_fmt(buf + n, CKPT_STDIO_MAX - (size_t)n, i ? ",%lu:%lu" : "%lu:%lu",
					     (unsigned long)ids[i].dev, (unsigned long)ids[i].ino)
				  : ckpt_fmt(buf + n, CKPT_STDIO_MAX - (size_t)n, i ? ",-" : "-");
	return 1;
}

static void set_fd(int fd)
{
	struct stat st;
	ids[fd].known = SYS2(SYS_fstat, fd, &st) == 0;
	ids[fd].dev = ids[fd].known ? (uint64_t)st.st_dev : 0;
	ids[fd].ino = ids[fd].known ? (uint64_t)st.st_ino : 0;
}

/* Before the core's constructor: the first process of the computation
 * records its own, an exec'd one takes what it was given. */
__attribute__((constructor(170))) static void stdio_init(void)
{
	const char *s = ckpt_env("CKPT_STDIO");
	recorded = 1;
	if (!s) {
		for (int fd = 0; fd <= 2; fd++)
			set_fd(fd);
		return;
	}
	for (int fd = 0; fd <= 2; fd++) {
		ids[fd].known = 0;
		if (*s >= '0' && *s <= '9') {
			uint64_t dev = 0, ino = 0;
			while (*s >= '0' && *s <= '9')
				dev = dev * 10 + (uint64_t)(*s++ - '0');
			if (*s == ':')
				s++;
			while (*s >= '0' && *s <= '9')
				ino = ino * 10 + (uint64_t)(*s++ - '0');
			ids[fd].dev = dev;
			ids[fd].ino = ino;
			ids[fd].known = 1;
		} else if (*s == '-') {
			s++;
		}
		if (*s == ',')
			s++;
	}
}

/* The restarted program's standard files are the restarting command's: the
 * restorer says at which of fds 0-2 it put them. */
void ckpt_stdio_after_restart(void)
{
	int mask = ckpt_rt.restart_stdio & 7;
	for (int fd = 0; fd <= 2; fd++)
		if (mask & (1 << fd))
			set_fd(fd);
}

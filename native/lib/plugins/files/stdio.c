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
 */
#include "../../engine.h"
#include <sys/stat.h>
#include <sys/syscall.h>

#define STDIO_VAR "CKPT_STDIO="

static struct {
	uint64_t dev, ino;
} ids[3];
static int nids = -1; /* -1: not known; every fd 0-2 then counts as the computation's */

int ckpt_stdio_is_computations(const struct stat *st)
{
	int yes = nids < 0;
	for (int i = 0; i < nids; i++)
		if (ids[i].dev == (uint64_t)st->st_dev && ids[i].ino == (uint64_t)st->st_ino)
			yes = 1;
	return yes;
}

static char *put_u64(char *p, uint64_t v)
{
	char num[24];
	int k = 0;
	do {
		num[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k)
		*p++ = num[--k];
	return p;
}

/* "CKPT_STDIO=..." into buf (CKPT_STDIO_MAX bytes); 0 when not known */
int ckpt_stdio_env(char *buf)
{
	if (nids <= 0)
		return 0;
	char *p = buf;
	for (const char *s = STDIO_VAR; *s; s++)
		*p++ = *s;
	for (int i = 0; i < nids; i++) {
		if (i)
			*p++ = ',';
		p = put_u64(p, ids[i].dev);
		*p++ = ':';
		p = put_u64(p, ids[i].ino);
	}
	*p = 0;
	return 1;
}

static void add_fd(int fd)
{
	struct stat st;
	if (SYS2(SYS_fstat, fd, &st) == 0 && nids < 3) {
		ids[nids].dev = (uint64_t)st.st_dev;
		ids[nids].ino = (uint64_t)st.st_ino;
		nids++;
	}
}

/* Before the core's constructor: the first process of the computation
 * records its own, an exec'd one takes what it was given. */
__attribute__((constructor(170))) static void stdio_init(void)
{
	const char *s = ckpt_env("CKPT_STDIO");
	if (s) {
		nids = 0;
		while (*s >= '0' && *s <= '9' && nids < 3) {
			const char *p = s;
			uint64_t dev = 0, ino = 0;
			while (*p >= '0' && *p <= '9')
				dev = dev * 10 + (uint64_t)(*p++ - '0');
			if (*p++ != ':')
				break;
			while (*p >= '0' && *p <= '9')
				ino = ino * 10 + (uint64_t)(*p++ - '0');
			ids[nids].dev = dev;
			ids[nids].ino = ino;
			nids++;
			s = *p == ',' ? p + 1 : p;
		}
		return;
	}
	nids = 0;
	for (int fd = 0; fd <= 2; fd++)
		add_fd(fd);
}

/* The restarted program's standard files are the restarting command's: the
 * restorer says at which of fds 0-2 it put them. */
void ckpt_stdio_after_restart(void)
{
	int mask = ckpt_rt.restart_stdio & 7;
	if (!mask)
		return;
	nids = 0;
	for (int fd = 0; fd <= 2; fd++)
		if (mask & (1 << fd))
			add_fd(fd);
}

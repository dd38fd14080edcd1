/*
 * /proc/<virtual pid>/... names the process the program knows by that PID: the
 * path is rewritten to the real PID before it reaches the kernel. /proc/self
 * needs nothing. Only the calls a program names /proc paths with are wrapped.
 */
#include "ids.h"
#include "../memory/dirty.h"
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* Returns path, or buf holding the rewritten path. */
static const char *real_proc_path(const char *path, char *buf, size_t n)
{
	if (!path || !ckpt_startswith(path, "/proc/") || path[6] < '0' || path[6] > '9')
		return path;
	const char *p = path + 6;
	long v = ckpt_parse_long(&p);
	if (*p && *p != '/')
		return path;
	int r = ckpt_pid_real((pid_t)v);
	if (r == v)
		return path;
	char num[16];
	int k = 0;
	do {
		num[k++] = (char)('0' + r % 10);
		r /= 10;
	} while (r);
	size_t len = 0;
	for (const char *q = "/proc/"; *q && len + 1 < n; q++)
		buf[len++] = *q;
	while (k && len + 1 < n)
		buf[len++] = num[--k];
	for (; *p && len + 1 < n; p++)
		buf[len++] = *p;
	buf[len] = 0;
	return buf;
}

#define REAL(name) \
	static __typeof__(&name) real_##name; \
	if (!real_##name) \
		real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

static int has_mode(int flags) { return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE; }

/* Declares mode: the optional argument, passed only when the flags create a
 * file, and not to be read otherwise. A macro because va_start works only in
 * the variadic function itself. */
#define MODE_ARG(flags) \
	mode_t mode = 0; \
	if (has_mode(flags)) { \
		va_list ap; \
		va_start(ap, flags); \
		mode = (mode_t)va_arg(ap, int); \
		va_end(ap); \
	}

CKPT_EXPORT int open(const char *path, int flags, ...)
{
	REAL(open);
	MODE_ARG(flags);
	ckpt_dirty_opening(path);
	char buf[4096];
	return real_open(real_proc_path(path, buf, sizeof buf), flags, mode);
}

CKPT_EXPORT int open64(const char *path, int flags, ...)
{
	REAL(open64);
	MODE_ARG(flags);
	ckpt_dirty_opening(path);
	char buf[4096];
	return real_open64(real_proc_path(path, buf, sizeof buf), flags, mode);
}

CKPT_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	REAL(openat);
	MODE_ARG(flags);
	ckpt_dirty_opening(path);
	char buf[4096];
	return real_openat(dirfd, real_proc_path(path, buf, sizeof buf), flags, mode);
}

CKPT_EXPORT FILE *fopen(const char *path, const char *mode)
{
	REAL(fopen);
	char buf[4096];
	return real_fopen(real_proc_path(path, buf, sizeof buf), mode);
}

CKPT_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	REAL(fopen64);
	char buf[4096];
	return real_fopen64(real_proc_path(path, buf, sizeof buf), mode);
}

CKPT_EXPORT DIR *opendir(const char *path)
{
	REAL(opendir);
	char buf[4096];
	return real_opendir(real_proc_path(path, buf, sizeof buf));
}

CKPT_EXPORT ssize_t readlink(const char *path, char *out, size_t n)
{
	REAL(readlink);
	char buf[4096];
	return real_readlink(real_proc_path(path, buf, sizeof buf), out, n);
}

CKPT_EXPORT int stat(const char *path, struct stat *st)
{
	REAL(stat);
	char buf[4096];
	return real_stat(real_proc_path(path, buf, sizeof buf), st);
}

CKPT_EXPORT int access(const char *path, int mode)
{
	REAL(access);
	char buf[4096];
	return real_access(real_proc_path(path, buf, sizeof buf), mode);
}

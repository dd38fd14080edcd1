/*
 * ckpt_proc: reading /proc without libc, for the preload library and the
 * restorer alike: a small file read whole (maps, status), and a directory
 * whose entries that matter are numbers (/proc/self/fd, /proc/self/task).
 * Header-only and freestanding, with its own raw system calls: the library
 * reads /proc while every other thread is stopped (no libc locks may be taken)
 * and the restorer has no libc at all.
 */
#ifndef CKPT_PROC_H
#define CKPT_PROC_H
#include <stddef.h>
#include <stdint.h>

/* x86_64 */
enum { CKPT_PROC_NR_READ = 0, CKPT_PROC_NR_OPEN = 2, CKPT_PROC_NR_CLOSE = 3, CKPT_PROC_NR_GETDENTS64 = 217 };
#define CKPT_PROC_O_CLOEXEC 02000000 /* with O_RDONLY, which is 0 */
#define CKPT_PROC_O_DIRECTORY 0200000

static inline long ckpt_proc_sys(long n, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

/* Reads a whole small file into buf (n bytes), NUL-terminated; returns its
 * length, or -1 if it cannot be opened. */
static inline long ckpt_proc_read(const char *path, char *buf, size_t n)
{
	int fd = (int)ckpt_proc_sys(CKPT_PROC_NR_OPEN, (long)path, CKPT_PROC_O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	size_t len = 0;
	while (len + 1 < n) {
		long r = ckpt_proc_sys(CKPT_PROC_NR_READ, fd, (long)(buf + len), (long)(n - 1 - len));
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	ckpt_proc_sys(CKPT_PROC_NR_CLOSE, fd, 0, 0);
	buf[len] = 0;
	return (long)len;
}

struct ckpt_procdir {
	int fd; /* the directory's own fd: it shows up in /proc/self/fd */
	long len, off;
	char buf[4096];
};

struct ckpt_procdir_entry {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Returns the directory's fd, or a negative errno. */
static inline int ckpt_procdir_open(struct ckpt_procdir *d, const char *path)
{
	d->len = d->off = 0;
	d->fd = (int)ckpt_proc_sys(CKPT_PROC_NR_OPEN, (long)path, CKPT_PROC_O_DIRECTORY | CKPT_PROC_O_CLOEXEC, 0);
	return d->fd;
}

/* The next entry whose name is a number, as that number; -1 when the
 * directory is exhausted or cannot be read further ("." and ".." are skipped). */
static inline int ckpt_procdir_next(struct ckpt_procdir *d)
{
	for (;;) {
		if (d->off >= d->len) {
			d->len = ckpt_proc_sys(CKPT_PROC_NR_GETDENTS64, d->fd, (long)d->buf, sizeof d->buf);
			d->off = 0;
			if (d->len <= 0)
				return -1;
		}
		struct ckpt_procdir_entry *e = (struct ckpt_procdir_entry *)(d->buf + d->off);
		d->off += e->d_reclen;
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		int v = 0;
		for (const char *p = e->d_name; *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (*p - '0');
		return v;
	}
}

static inline void ckpt_procdir_close(struct ckpt_procdir *d)
{
	ckpt_proc_sys(CKPT_PROC_NR_CLOSE, d->fd, 0, 0);
}

#endif

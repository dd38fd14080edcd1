/*
 * File locks held at the checkpoint (flock, fcntl record locks, open file
 * description locks), read from /proc/self/fdinfo (the "lock:" lines) and
 * saved in a section of their own. The restorer takes them again before any
 * process of the computation runs, so that a process that was waiting for a
 * lock goes on waiting for its holder.
 */
#include "files.h"
#include <sys/syscall.h>

#define MAX_LOCKS 256
static struct ckpt_img_lock locks[MAX_LOCKS];
static int nlocks;

void ckpt_locks_reset(void) { nlocks = 0; }

static const char *skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static const char *skip_word(const char *p)
{
	while (*p && *p != ' ' && *p != '\t' && *p != '\n')
		p++;
	return skip_spaces(p);
}

/* "lock:\t1: POSIX  ADVISORY  WRITE 1234 fd:00:5678 0 EOF" (a waiter has "->" first) */
static void parse_line(int fd, const char *p)
{
	p = skip_word(skip_spaces(p)); /* the number */
	if (ckpt_startswith(p, "->"))
		return; /* waiting for a lock, not holding one */
	uint32_t kind = ckpt_startswith(p, "FLOCK")    ? CKPT_LOCK_FLOCK
			: ckpt_startswith(p, "POSIX")  ? CKPT_LOCK_POSIX
			: ckpt_startswith(p, "OFDLCK") ? CKPT_LOCK_OFD
						       : 0;
	if (!kind || nlocks == MAX_LOCKS)
		return; /* leases and delegations are not file locks of the program's */
	p = skip_word(skip_word(p)); /* kind, ADVISORY */
	uint32_t write = ckpt_startswith(p, "WRITE");
	p = skip_word(skip_word(skip_word(p))); /* access, pid, dev:ino */
	int64_t start = ckpt_parse_long(&p);
	p = skip_spaces(p);
	int64_t len = 0;
	if (!ckpt_startswith(p, "EOF")) {
		int64_t end = ckpt_parse_long(&p);
		len = end - start + 1;
	}
	for (int i = 0; i < nlocks; i++) /* a POSIX lock shows at every fd of its file */
		if (locks[i].kind == kind && kind == CKPT_LOCK_POSIX && locks[i].start == start && locks[i].len == len &&
		    locks[i].write == write)
			return;
	locks[nlocks++] = (struct ckpt_img_lock){ fd, kind, write, 0, start, len };
}

void ckpt_locks_note(int fd)
{
	static char text[8192];
	char path[64];
	ckpt_fmt(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	if (ckpt_read_file(path, text, sizeof text) <= 0)
		return;
	for (const char *l = text; *l;) {
		if (ckpt_startswith(l, "lock:"))
			parse_line(fd, l + 5);
		while (*l && *l != '\n')
			l++;
		if (*l)
			l++;
	}
}

int ckpt_locks_write(struct ckpt_writer *w)
{
	if (!nlocks)
		return 0; /* the section is optional */
	if (ckpt_section_begin(w, CKPT_SEC_LOCKS, 0) < 0 || ckpt_section_write(w, locks, (size_t)nlocks * sizeof locks[0]) < 0)
		return -1;
	return ckpt_section_end(w);
}

/*
 * Pseudo-terminal pairs the program made itself (script, expect): the old
 * pair died with the old processes, so before any file is reopened a new
 * pair is made for each, and the program's slave ends (/dev/pts/N) are
 * pointed at the new number. The masters are shared by the processes of a
 * tree like pipes, so they are made before the processes part ways. What was
 * waiting in the pair's buffers is not saved.
 */
#include "rt.h"

#define TIOCGPTN 0x80045430
#define TIOCSPTLCK 0x40045431

struct pair {
	uint32_t old, now;
	int master;
};

static struct pair *pairs;
static uint32_t npairs;

void ptys_make(struct image *ims, uint32_t n)
{
	uint32_t cap = 1;
	for (uint32_t k = 0; k < n; k++)
		cap += ims[k].nfds;
	pairs = arena_alloc(cap * sizeof *pairs);
	npairs = 0;
	for (uint32_t k = 0; k < n; k++)
		for (uint32_t i = 0; i < ims[k].nfds; i++) {
			struct ckpt_img_fd *f = &ims[k].fds[i];
			if (f->kind != CKPT_FD_PTMX || f->dup_of >= 0 || ptys_master(f->pty) >= 0)
				continue;
			image_enter(&ims[k]);
			long m = sys3(NR_open, (long)"/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC, 0);
			if (m < 0)
				fail("cannot make a pseudo-terminal again: ", errno_name(m), 0);
			int unlock = 0;
			uint32_t now = 0;
			if (sys3(NR_ioctl, m, TIOCSPTLCK, (long)&unlock) < 0 || sys3(NR_ioctl, m, TIOCGPTN, (long)&now) < 0)
				fail("cannot make a pseudo-terminal again: ", "unlockpt", 0);
			long high = sys3(NR_fcntl, m, F_DUPFD_CLOEXEC, 600);
			if (high < 0)
				fail("cannot make a pseudo-terminal again: ", errno_name(high), 0);
			sys1(NR_close, m);
			pairs[npairs].old = f->pty;
			pairs[npairs].now = now;
			pairs[npairs].master = (int)high;
			npairs++;
		}
	/* the slave ends: the same pair under its new number */
	for (uint32_t k = 0; k < n && npairs; k++)
		for (uint32_t i = 0; i < ims[k].nfds; i++) {
			struct ckpt_img_fd *f = &ims[k].fds[i];
			if (f->kind != CKPT_FD_TTY || memcmp(f->path, "/dev/pts/", 9))
				continue;
			const char *p = f->path + 9;
			uint32_t num = 0;
			while (*p >= '0' && *p <= '9')
				num = num * 10 + (uint32_t)(*p++ - '0');
			if (*p)
				continue;
			for (uint32_t q = 0; q < npairs; q++)
				if (pairs[q].old == num)
					path_num(f->path, sizeof f->path, "/dev/pts/", pairs[q].now);
		}
}

int ptys_master(uint32_t old)
{
	for (uint32_t q = 0; q < npairs; q++)
		if (pairs[q].old == old)
			return pairs[q].master;
	return -1;
}

void ptys_close_all(void)
{
	for (uint32_t q = 0; q < npairs; q++)
		sys1(NR_close, pairs[q].master);
	npairs = 0;
}

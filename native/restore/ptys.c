/*
 * Pseudo-terminal pairs the program made itself (script, expect): the old
 * pair died with the old processes, so before any file is reopened a new
 * pair is made for each, and the program's slave ends (/dev/pts/N) are
 * pointed at the new number. The masters are shared by the processes of a
 * tree like pipes, so they are made before the processes part ways. What the
 * slave side had written and the master's reader had not read yet goes back
 * in through the new slave end, unprocessed (lib/plugins/files/ptys.c); what
 * waited the other way is not saved.
 */
#include "rt.h"

#define TIOCGPTN 0x80045430
#define TIOCSPTLCK 0x40045431
#define TIOCGPTPEER 0x5441
#define TCGETS 0x5401
#define TCSETS 0x5402
#define OPOST 1

struct pair {
	uint32_t old, now;
	int master;
	int filled; /* its waiting bytes are back */
};

/* the kernel's struct termios: c_oflag is the second field */
struct kernel_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line, c_cc[19];
};

static void put_back(struct pair *p, const char *data, uint64_t n)
{
	long slave = sys3(NR_ioctl, p->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		fail("cannot put back the bytes waiting in a pseudo-terminal: ", errno_name(slave), 0);
	struct kernel_termios was, raw;
	long r = sys3(NR_ioctl, slave, TCGETS, &was);
	raw = was;
	raw.c_oflag &= ~(uint32_t)OPOST;
	if (r == 0)
		r = sys3(NR_ioctl, slave, TCSETS, &raw);
	for (uint64_t done = 0; r == 0 && done < n;) {
		r = sys3(NR_write, slave, data + done, n - done);
		if (r > 0)
			done += (uint64_t)r, r = 0;
		else if (r == 0)
			r = -28;
	}
	sys3(NR_ioctl, slave, TCSETS, &was);
	sys1(NR_close, slave);
	if (r < 0)
		fail("cannot put back the bytes waiting in a pseudo-terminal: ", errno_name(r), 0);
	p->filled = 1;
}

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
			struct ckpt_fd *f = &ims[k].fds[i];
			if (f->h.kind != CKPT_FD_PTMX || f->h.dup_of >= 0 || ptys_master(f->pty.number) >= 0)
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
			pairs[npairs].old = f->pty.number;
			pairs[npairs].now = now;
			pairs[npairs].master = (int)high;
			pairs[npairs].filled = 0;
			npairs++;
		}
	/* the waiting bytes, once per pair (a master shared by several
	 * processes: the first that saved some) */
	for (uint32_t k = 0; k < n; k++)
		for (uint32_t i = 0; i < ims[k].nfds; i++) {
			struct ckpt_fd *f = &ims[k].fds[i];
			if (f->h.kind != CKPT_FD_PTMX || f->h.dup_of >= 0 || !f->pty.data_len)
				continue;
			for (uint32_t q = 0; q < npairs; q++)
				if (pairs[q].old == f->pty.number && !pairs[q].filled) {
					image_enter(&ims[k]);
					put_back(&pairs[q], ims[k].fddata + f->pty.data_offset, f->pty.data_len);
				}
		}
	/* the slave ends: the same pair under its new number */
	for (uint32_t k = 0; k < n && npairs; k++)
		for (uint32_t i = 0; i < ims[k].nfds; i++) {
			struct ckpt_fd *f = &ims[k].fds[i];
			if (f->h.kind != CKPT_FD_TTY || memcmp(f->path, "/dev/pts/", 9))
				continue;
			const char *p = f->path + 9;
			uint32_t num = 0;
			while (*p >= '0' && *p <= '9')
				num = num * 10 + (uint32_t)(*p++ - '0');
			if (*p)
				continue;
			for (uint32_t q = 0; q < npairs; q++)
				if (pairs[q].old == num) {
					char *now = arena_alloc(32);
					path_num(now, 32, "/dev/pts/", pairs[q].now);
					f->path = now;
				}
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

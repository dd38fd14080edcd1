/*
 * Pseudo-terminal pairs the program made (script, expect, and mpirun, which
 * reads each rank's output through one), checkpoint side; the restore side is
 * restore/ptys.c. What the slave side wrote and the master's reader has not
 * read yet (a rank's last line, say) is read out at checkpoint, while every
 * thread is stopped, put back at once, and saved with the fd table's data.
 *
 * Putting back: the only way into the master's queue is a write on the slave
 * end (opened with TIOCGPTPEER), and such a write goes through the pair's
 * output processing, which the bytes read out have been through already
 * (ONLCR has made each "\n" a "\r\n"): it is switched off for that write and
 * the pair's settings are set back as they were. Bytes waiting the other
 * way, from the master to the slave's reader, are not saved.
 */
#include "files.h"
#include <fcntl.h>
#include <asm/ioctls.h>
#include <asm/termbits.h>
#include <sys/syscall.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER 0x5441
#endif

/* the slave end of fd's pair writes n bytes at data, unprocessed */
static int through_slave(int fd, const char *data, uint64_t n)
{
	int slave = (int)SYS3(SYS_ioctl, fd, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (slave < 0)
		return -1;
	struct termios was, raw;
	int r = (int)SYS3(SYS_ioctl, slave, TCGETS, &was);
	raw = was;
	raw.c_oflag &= ~(unsigned)OPOST;
	if (r == 0)
		r = (int)SYS3(SYS_ioctl, slave, TCSETS, &raw);
	for (uint64_t done = 0; r == 0 && done < n;) {
		long w = SYS3(SYS_write, slave, data + done, n - done);
		if (w <= 0)
			r = -1;
		else
			done += (uint64_t)w;
	}
	SYS3(SYS_ioctl, slave, TCSETS, &was);
	SYS1(SYS_close, slave);
	return r;
}

int ptys_save(int fd, struct ckpt_fd *rec)
{
	struct ckpt_img_fd_pty *p = &rec->pty;
	if (SYS3(SYS_ioctl, fd, TIOCGPTN, &p->number) < 0)
		return ckpt_fail("process %d, fd %d: cannot read the number of its pseudo-terminal", ckpt_rt.vpid, fd);
	int waiting = 0;
	if (SYS3(SYS_ioctl, fd, FIONREAD, &waiting) < 0 || waiting <= 0)
		return 0;
	if (files_data_drain(fd, &p->data_offset, &p->data_len) < 0)
		return -1;
	if (p->data_len && through_slave(fd, files_data + p->data_offset, p->data_len) < 0)
		return ckpt_fail("process %d, fd %d: cannot put back the bytes waiting in its pseudo-terminal", ckpt_rt.vpid, fd);
	return 0;
}

/*
 * fds on anonymous inodes, restore side; the checkpoint side is
 * lib/plugins/files/anon_inodes.c. eventfd, signalfd, timerfd and epoll
 * instances are made anew with their state, a pidfd on the process it named
 * (by its new real PID); epoll's registrations are added once every fd is at
 * its number (files_install calls anon_inode_register last).
 */
#include "rt.h"

int anon_inode_make(struct ckpt_fd *f)
{
	int nonblock = (int)(f->h.flags & 04000);
	long fd = -22;
	switch (f->h.kind) {
	case CKPT_FD_EVENTFD:
		fd = sys2(NR_eventfd2, f->eventfd.count, O_CLOEXEC | nonblock | (f->eventfd.semaphore ? 1 : 0));
		break;
	case CKPT_FD_SIGNALFD:
		fd = sys4(NR_signalfd4, -1, &f->signalfd.mask, 8, O_CLOEXEC | nonblock);
		break;
	case CKPT_FD_TIMERFD: {
		const struct ckpt_img_fd_timerfd *t = &f->timerfd;
		fd = sys2(NR_timerfd_create, t->clockid, O_CLOEXEC | nonblock);
		if (fd >= 0 && (t->value_sec || t->value_nsec)) {
			int64_t its[4] = { t->interval_sec, t->interval_nsec, t->value_sec, t->value_nsec };
			sys4(NR_timerfd_settime, fd, 0, its, 0);
		}
		break;
	}
	case CKPT_FD_EPOLL:
		fd = sys1(NR_epoll_create1, O_CLOEXEC);
		break;
	case CKPT_FD_PIDFD: {
		/* the process it named, by its new real PID (the tree is whole now) */
		int32_t real = tree_real_of(f->pidfd.vpid);
		if (real <= 0)
			fail_num("fd ", f->h.fd, " is a pidfd of a process that is not in the snapshot");
		fd = sys2(434 /* pidfd_open */, real, nonblock);
		if (fd >= 0 && sys3(NR_fcntl, fd, 2 /* F_SETFD */, 1 /* FD_CLOEXEC */) < 0)
			fd = -22;
		break;
	}
	}
	if (fd < 0)
		fail_num("cannot recreate fd ", f->h.fd, " (eventfd, epoll, signalfd, timerfd or pidfd)");
	return (int)fd;
}

void anon_inode_register(struct image *im)
{
	for (uint32_t i = 0; i < im->nfds; i++) {
		struct ckpt_fd *f = &im->fds[i];
		if (f->h.kind != CKPT_FD_EPOLL)
			continue;
		const struct ckpt_img_epoll_entry *e = (const void *)(im->fddata + f->epoll.data_offset);
		for (uint64_t k = 0; k < f->epoll.data_len / sizeof *e; k++) {
			struct __attribute__((packed)) { uint32_t events; uint64_t data; } ev = { e[k].events, e[k].data };
			sys4(NR_epoll_ctl, f->h.fd, 1 /* EPOLL_CTL_ADD */, e[k].tfd, &ev);
		}
	}
}

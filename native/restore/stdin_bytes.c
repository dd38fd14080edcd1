/*
 * Input from outside, given back. A snapshot that ended the program (--kill)
 * saved the bytes that were waiting in its standard input when that was a pipe
 * from outside the computation (lib/plugins/files/pipes.c marks them:
 * bytes_kept in struct ckpt_img_fd_pipe). The restarted program reads those
 * bytes first, then the restarting command's own input: its fd 0 becomes a
 * new pipe that holds the saved bytes, and a small forwarder outside the
 * computation (a grandchild, so that no process of the program has a child
 * it does not know) copies the restarting command's input into it until that
 * ends, or until the program has closed the pipe.
 */
#include "rt.h"
#include "../include/ckpt_proc.h"

enum { NR_poll = 7 };
#define POLLIN 1
#define POLLERR 8
#define POLLHUP 16
#define F_GETPIPE_SZ 1032

struct pollfd_ {
	int fd;
	short events, revents;
};

static __attribute__((noreturn)) void forward(int w)
{
	/* nothing of the restorer's but the two ends */
	struct ckpt_procdir dir;
	int close_these[256], n = 0;
	if (ckpt_procdir_open(&dir, "/proc/self/fd") == 0) {
		for (int fd; (fd = ckpt_procdir_next(&dir)) >= 0;)
			if (fd != 0 && fd != w && fd != dir.fd && n < 256)
				close_these[n++] = fd;
		ckpt_procdir_close(&dir);
	}
	for (int i = 0; i < n; i++)
		sys1(NR_close, close_these[i]);
	long ign[4] = { 1 /* SIG_IGN */, 0, 0, 0 };
	sys4(NR_rt_sigaction, 13 /* SIGPIPE */, ign, 0, 8);
	static char buf[65536];
	for (;;) {
		struct pollfd_ p[2] = { { 0, POLLIN, 0 }, { w, 0, 0 } };
		if (sys3(NR_poll, p, 2, -1) < 0)
			continue;
		if (p[1].revents & (POLLERR | POLLHUP))
			break; /* the program closed its input */
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		long r = sys3(NR_read, 0, buf, sizeof buf);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			break;
		for (long done = 0; done < r;) {
			long k = sys3(NR_write, w, buf + done, r - done);
			if (k == -EINTR)
				continue;
			if (k <= 0)
				sys1(NR_exit_group, 0);
			done += k;
		}
	}
	sys1(NR_exit_group, 0);
	__builtin_unreachable();
}

/* The saved bytes of an outside standard input, if a --kill snapshot kept them. */
static struct ckpt_fd *kept_stdin(struct image *ims, uint32_t n, const char **data)
{
	for (uint32_t k = 0; k < n; k++)
		for (uint32_t i = 0; i < ims[k].nfds; i++) {
			struct ckpt_fd *f = &ims[k].fds[i];
			if (f->h.fd == 0 && f->h.kind == CKPT_FD_PIPE && f->h.stdio == 2 && f->pipe.data_len &&
			    f->pipe.bytes_kept) {
				*data = ims[k].fddata + f->pipe.data_offset;
				return f;
			}
		}
	return 0;
}

void stdin_give_back(struct image *ims, uint32_t n)
{
	const char *data;
	struct ckpt_fd *f = kept_stdin(ims, n, &data);
	if (!f)
		return;
	int p[2];
	if (sys2(NR_pipe2, p, O_CLOEXEC) < 0)
		fail("cannot make a pipe for the input the program had waiting", 0, 0);
	/* a pipe holds what a pipe held: the saved bytes fit a new one of that size */
	if ((uint64_t)sys2(NR_fcntl, p[1], F_GETPIPE_SZ) < f->pipe.data_len)
		sys3(NR_fcntl, p[1], F_SETPIPE_SZ, f->pipe.data_len);
	for (uint64_t done = 0; done < f->pipe.data_len;) {
		long r = sys3(NR_write, p[1], data + done, f->pipe.data_len - done);
		if (r <= 0)
			fail("cannot give back the input the program had waiting: ", errno_name(r), 0);
		done += (uint64_t)r;
	}
	long child = sys0(NR_fork);
	if (child == 0) {
		if (sys0(NR_fork) == 0)
			forward(p[1]);
		sys1(NR_exit_group, 0);
	}
	if (child < 0)
		fail("cannot start the forwarder of the program's input: ", errno_name(child), 0);
	sys4(NR_wait4, child, 0, 0, 0);
	sys1(NR_close, p[1]);
	if (sys3(NR_dup3, p[0], 0, 0) < 0)
		fail("cannot give the program its input back", 0, 0);
	sys1(NR_close, p[0]);
}

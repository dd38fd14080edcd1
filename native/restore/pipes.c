/*
 * Pipes and FIFOs, restore side. The checkpoint side is
 * lib/plugins/files/pipes.c, which saved the bytes waiting in each (once per
 * pipe, by the process the coordinator chose: adapter/engine/pipes.ts).
 *
 * Pipes are made anew before the processes of a tree part ways, so that the
 * ends that lead from one process to another are one pipe again; the saved
 * bytes go in once. An end whose peer was outside the computation gets a pipe
 * whose other end nobody holds (reads see end of file, writes EPIPE).
 *
 * FIFOs are reopened by path like files (files.c), with two differences.
 * Opening one for writing alone fails while nobody reads it (ENXIO), and the
 * bytes that were waiting in it exist only while somebody holds it. So before
 * the program's own ends are opened, the restorer holds each FIFO open for
 * reading and writing (which never waits), puts back the bytes one process
 * saved for it, and lets go once every end is open.
 */
#include "rt.h"

/* pipes shared by the processes of a tree, made once before anyone forks */
struct shared_pipe {
	uint64_t ino;
	int rfd, wfd;
};

static struct shared_pipe *pipes;
static uint32_t npipes;

/* fd 0, 1 or 2 as a pipe whose other end no process of the computation has
 * (the terminal's pipe to `ckpt launch`, say) is the restarting command's own
 * now: stdio = 2. The checkpoint side marks (stdio) only the computation's
 * standard files: a pipe of the program's own whose other end's process has
 * ended comes back as a pipe. */
void pipes_classify_stdio(struct image *ims, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++)
		for (uint32_t i = 0; i < ims[k].nfds; i++) {
			struct ckpt_fd *f = &ims[k].fds[i];
			if (!f->h.stdio || f->h.kind != CKPT_FD_PIPE)
				continue;
			int reader = 0, writer = 0;
			for (uint32_t k2 = 0; k2 < n; k2++)
				for (uint32_t j = 0; j < ims[k2].nfds; j++) {
					struct ckpt_fd *g = &ims[k2].fds[j];
					if (g->h.kind != CKPT_FD_PIPE || g->pipe.ino != f->pipe.ino || g->h.dup_of >= 0)
						continue;
					if ((g->h.flags & O_ACCMODE) == O_RDONLY)
						reader = 1;
					else
						writer = 1;
				}
			if (!(reader && writer))
				f->h.stdio = 2;
		}
}

void pipes_create(struct image *ims, uint32_t n)
{
	uint32_t cap = 0;
	for (uint32_t k = 0; k < n; k++)
		cap += ims[k].nfds;
	pipes = arena_alloc((cap + 1) * sizeof *pipes);
	for (uint32_t k = 0; k < n; k++) {
		for (uint32_t i = 0; i < ims[k].nfds; i++) {
			struct ckpt_fd *f = &ims[k].fds[i];
			if (f->h.kind != CKPT_FD_PIPE || f->h.stdio == 2 || f->h.dup_of >= 0)
				continue;
			image_enter(&ims[k]);
			struct shared_pipe *sp = 0;
			for (uint32_t j = 0; j < npipes; j++)
				if (pipes[j].ino == f->pipe.ino)
					sp = &pipes[j];
			if (!sp) {
				int p[2];
				long r = sys2(NR_pipe2, p, O_CLOEXEC);
				if (r < 0)
					fail_num("cannot recreate pipe fd ", f->h.fd, "");
				sp = &pipes[npipes++];
				sp->ino = f->pipe.ino;
				sp->rfd = fd_lift(p[0], 600);
				sp->wfd = fd_lift(p[1], 600);
			}
			if (f->pipe.data_len) {
				if (f->pipe.data_len > 65536)
					sys3(NR_fcntl, sp->wfd, F_SETPIPE_SZ, f->pipe.data_len);
				sys3(NR_write, sp->wfd, ims[k].fddata + f->pipe.data_offset, f->pipe.data_len);
			}
		}
	}
}

int pipe_end(uint64_t ino, int reader)
{
	for (uint32_t j = 0; j < npipes; j++)
		if (pipes[j].ino == ino)
			return reader ? pipes[j].rfd : pipes[j].wfd;
	return -1;
}

void pipes_close_all(void)
{
	for (uint32_t j = 0; j < npipes; j++) {
		sys1(NR_close, pipes[j].rfd);
		sys1(NR_close, pipes[j].wfd);
	}
}

/* ---------- FIFOs ---------- */

#define O_NONBLOCK 04000

static int *held;
static uint32_t nheld;

static void put_bytes(int fd, const char *path, const char *data, uint64_t len)
{
	for (uint64_t done = 0; done < len;) {
		long r = sys3(NR_write, fd, data + done, len - done);
		if (r <= 0)
			fail4("cannot put back the bytes that were waiting in the FIFO ", path, ": ",
			      r < 0 ? errno_name(r) : "it is full");
		done += (uint64_t)r;
	}
}

/* with_bytes is 0 for a check of the images: nothing may change then */
void fifos_hold(struct image *ims, uint32_t n, int with_bytes)
{
	uint32_t count = 0;
	for (uint32_t k = 0; k < n; k++)
		for (uint32_t i = 0; i < ims[k].nfds; i++)
			count += ims[k].fds[i].h.kind == CKPT_FD_FIFO;
	held = arena_alloc((count + 1) * sizeof *held);
	nheld = 0;
	for (uint32_t k = 0; k < n; k++)
		for (uint32_t i = 0; i < ims[k].nfds; i++) {
			struct ckpt_fd *f = &ims[k].fds[i];
			if (f->h.kind != CKPT_FD_FIFO || f->h.dup_of >= 0)
				continue;
			image_enter(&ims[k]);
			const char *path = world_path(f->path, 0);
			long fd = sys3(NR_open, path, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
			if (fd < 0 && session_file(path) == 2)
				continue; /* a check: gone now, made again by the restart */
			if (fd < 0)
				fail4("cannot reopen the program's FIFO ", path, ": ", errno_name(fd));
			held[nheld++] = (int)fd;
			if (with_bytes && f->file.data_len) /* bounds checked by image_load */
				put_bytes((int)fd, path, ims[k].fddata + f->file.data_offset, f->file.data_len);
		}
}

void fifos_release(void)
{
	for (uint32_t i = 0; i < nheld; i++)
		sys1(NR_close, held[i]);
	nheld = 0;
}

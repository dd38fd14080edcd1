/*
 * Files: every file the image needs is opened before the point of no return,
 * so that a missing one is an error that names it while nothing has changed.
 * After memory is in place they move to their fd numbers with their offsets.
 * Pipes and FIFOs: see pipes.c; sockets: sockets.c; eventfd, epoll,
 * signalfd, timerfd and pidfd: anon_inodes.c.
 */
#include "rt.h"
#include "file_contents.h"
#include "../include/ckpt_proc.h"

static struct open_file *files;
static uint32_t nfiles;

static int reopen_flags(uint32_t flags)
{
	/* never create or truncate what the program had open */
	return (int)(flags & ~(uint32_t)(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY)) | O_CLOEXEC;
}

static int deleted(const char *p)
{
	size_t n = strlen(p), k = sizeof " (deleted)" - 1;
	return n > k && !memcmp(p + n - k, " (deleted)", k);
}

#define O_TMPFILE_FLAG 020200000 /* O_TMPFILE with O_DIRECTORY */
#define NR_memfd_create 319

/* A file the program had open with no name left: an unnamed file again, in
 * its old directory if that is still there (else in memory), with the saved
 * bytes, opened as the program had it. */
static long unnamed_again(struct image *im, struct ckpt_fd *f, int flags)
{
	char dir[4096];
	size_t n = strlen(f->path) - (sizeof " (deleted)" - 1);
	if (n >= sizeof dir)
		return -36; /* ENAMETOOLONG */
	memcpy(dir, f->path, n);
	dir[n] = 0;
	while (n > 1 && dir[n - 1] != '/')
		n--;
	dir[n > 1 ? n - 1 : 1] = 0;
	long w = sys3(NR_open, world_path(dir, 0), O_TMPFILE_FLAG | O_RDWR | O_CLOEXEC, 0600);
	if (w < 0)
		w = sys2(NR_memfd_create, (long)"ckpt-deleted", 1 /* MFD_CLOEXEC */);
	if (w < 0)
		return w;
	const char *data = im->fddata + f->file.data_offset;
	for (uint64_t done = 0; done < f->file.data_len;) {
		long r = sys3(NR_write, w, data + done, f->file.data_len - done);
		if (r <= 0) {
			sys1(NR_close, w);
			return r < 0 ? r : -28 /* ENOSPC */;
		}
		done += (uint64_t)r;
	}
	if ((flags & O_ACCMODE) == O_RDWR)
		return w;
	/* read-only or write-only, as it was: open the unnamed file again */
	char self[40];
	path_num(self, sizeof self, "/proc/self/fd/", w);
	long fd = sys3(NR_open, self, flags & ~(O_CREAT | O_EXCL | O_TRUNC), 0);
	sys1(NR_close, w);
	return fd;
}

void files_preflight(struct image *im)
{
	files = arena_alloc((im->nfds + 1) * sizeof *files);
	memset(files, 0, (im->nfds + 1) * sizeof *files);
	nfiles = 0;
	for (uint32_t i = 0; i < im->nfds; i++) {
		struct ckpt_fd *f = &im->fds[i];
		if (f->h.dup_of >= 0 && f->h.kind != CKPT_FD_STDIO)
			continue; /* made a dup of its original at install */
		if (f->h.kind == CKPT_FD_STDIO || f->h.kind == CKPT_FD_PIPE || f->h.kind == CKPT_FD_SOCKET ||
		    f->h.kind == CKPT_FD_EVENTFD || f->h.kind == CKPT_FD_EPOLL || f->h.kind == CKPT_FD_SIGNALFD ||
		    f->h.kind == CKPT_FD_TIMERFD || f->h.kind == CKPT_FD_PIDFD)
			continue; /* the restart command's own, or made anew at install */
		if (f->h.kind == CKPT_FD_PTMX) {
			/* the new pair's master (ptys.c), shared as the old one was */
			long fd = sys3(NR_fcntl, ptys_master(f->pty.number), F_DUPFD_CLOEXEC, 0);
			if (fd < 0)
				fail_num("cannot give fd ", f->h.fd, " its pseudo-terminal again");
			files[nfiles].target = f->h.fd;
			files[nfiles].temp = (int)fd;
			files[nfiles].cloexec = (int)f->h.cloexec;
			files[nfiles].offset = -1;
			files[nfiles].setfl = (int32_t)(f->h.flags & 04000 /* O_NONBLOCK */);
			nfiles++;
			continue;
		}
		if (f->h.kind != CKPT_FD_FILE && f->h.kind != CKPT_FD_DIR && f->h.kind != CKPT_FD_DEVICE &&
		    f->h.kind != CKPT_FD_TTY && f->h.kind != CKPT_FD_FIFO)
			fail_num("fd ", f->h.fd, " is of a kind this restorer cannot reopen");
		if (f->h.kind == CKPT_FD_FILE && file_contents_pending(f->path))
			continue; /* --check: put back by a real restart before this opens it */
		int flags = reopen_flags(f->h.flags);
		if (f->h.kind == CKPT_FD_FIFO)
			flags |= 04000; /* O_NONBLOCK: do not wait for a writer here */
		const char *path = world_path(f->path, 0);
		long fd = f->h.kind == CKPT_FD_FILE && deleted(f->path) ? unnamed_again(im, f, flags)
									: sys3(NR_open, path, flags, 0);
		if (fd < 0 && session_file(path) == 2)
			continue; /* a check: gone now, made again by the restart */
		if (fd < 0)
			fail4("cannot reopen the program's file ", path, ": ", errno_name(fd));
		files[nfiles].target = f->h.fd;
		files[nfiles].temp = (int)fd;
		files[nfiles].cloexec = (int)f->h.cloexec;
		files[nfiles].offset = f->h.offset;
		/* a FIFO was opened without waiting; it blocks again if it did */
		files[nfiles].setfl = f->h.kind == CKPT_FD_FIFO ? (int32_t)(f->h.flags & 04000) : -1;
		nfiles++;
	}
	im->files = files;
	im->nfiles = nfiles;
}

static int wanted(struct image *im, int fd)
{
	if (fd == im->fd)
		return 1;
	for (uint32_t i = 0; i < nfiles; i++)
		if (files[i].temp == fd)
			return 1;
	for (uint32_t i = 0; i < im->nfds; i++)
		if ((im->fds[i].h.kind == CKPT_FD_STDIO || im->fds[i].h.stdio == 2) && im->fds[i].h.fd == fd)
			return 1;
	return 0;
}

/* Closes what the restarting command passed on that the program did not have:
 * stdin/out/err the program had closed, any other inherited fd, and the files
 * the restorer opened for the other processes of the snapshot (their files
 * and mapped files, slave ends of pseudo-terminals: a slave end left open
 * here would keep its master from ever seeing end of file). They may be
 * thousands, so they go in batches: a directory is not listed while it
 * changes, and the batch lives on the restorer's small stack. */
static void close_strays(struct image *im)
{
	for (;;) {
		struct ckpt_procdir dir;
		long r = ckpt_procdir_open(&dir, "/proc/self/fd");
		if (r < 0)
			fail("cannot list the restorer's open files in /proc/self/fd: ", errno_name(r), 0);
		int strays[256], n = 0, more = 0;
		for (int fd; (fd = ckpt_procdir_next(&dir)) >= 0;) {
			if (fd == dir.fd || wanted(im, fd))
				continue;
			if (n < 256)
				strays[n++] = fd;
			else
				more = 1;
		}
		ckpt_procdir_close(&dir);
		for (int i = 0; i < n; i++)
			sys1(NR_close, strays[i]);
		if (!more)
			return;
	}
}

static void add(int target, int temp, struct ckpt_fd *f)
{
	files[nfiles].target = target;
	files[nfiles].temp = temp;
	files[nfiles].cloexec = (int)f->h.cloexec;
	files[nfiles].offset = -1;
	files[nfiles].setfl = (int32_t)(f->h.flags & 04000 /* O_NONBLOCK */);
	nfiles++;
}

/* a terminal's settings go to whatever terminal the restarted program has */
static void set_termios(struct image *im)
{
	for (uint32_t i = 0; i < im->nfds; i++)
		if ((im->fds[i].h.kind == CKPT_FD_TTY || im->fds[i].h.kind == CKPT_FD_STDIO) && im->fds[i].term.has_termios)
			sys3(NR_ioctl, im->fds[i].h.fd, 0x5402 /* TCSETS */, im->fds[i].term.termios);
}

static void make_pipes_and_sockets(struct image *im, int top)
{
	for (uint32_t i = 0; i < im->nfds; i++) {
		struct ckpt_fd *f = &im->fds[i];
		if (f->h.stdio == 2 || (f->h.dup_of >= 0 && f->h.kind != CKPT_FD_STDIO))
			continue; /* the restarting command's own, or a dup made at the end */
		if (f->h.kind == CKPT_FD_SOCKET) {
			int made = socket_made(im, f->h.fd);
			long fd = made < 0 ? made : sys3(NR_fcntl, made, F_DUPFD_CLOEXEC, top);
			if (fd < 0)
				fail_num("cannot recreate socket fd ", f->h.fd, "");
			add(f->h.fd, (int)fd, f);
		} else if (f->h.kind == CKPT_FD_EVENTFD || f->h.kind == CKPT_FD_EPOLL || f->h.kind == CKPT_FD_SIGNALFD ||
			   f->h.kind == CKPT_FD_TIMERFD || f->h.kind == CKPT_FD_PIDFD) {
			add(f->h.fd, fd_lift(anon_inode_make(f), top), f);
		} else if (f->h.kind == CKPT_FD_PIPE) {
			int end = pipe_end(f->pipe.ino, (f->h.flags & O_ACCMODE) == O_RDONLY);
			long fd = end < 0 ? end : sys3(NR_fcntl, end, F_DUPFD_CLOEXEC, top);
			if (fd < 0)
				fail_num("cannot recreate pipe fd ", f->h.fd, "");
			add(f->h.fd, (int)fd, f);
		}
	}
}

void files_install(struct image *im)
{
	files = im->files;
	nfiles = im->nfiles;
	int top = 3;
	for (uint32_t i = 0; i < im->nfds; i++)
		if (im->fds[i].h.fd >= top)
			top = im->fds[i].h.fd + 1;
	if (im->fd >= top)
		top = im->fd + 1;
	/* ends of shared pipes and new sockets join this image's files first:
	 * everything else that is open now and not the program's goes */
	make_pipes_and_sockets(im, top);
	pipes_close_all();
	sockets_close_all();
	ptys_close_all();
	close_strays(im);
	/* lift every temporary above all targets first, so that no dup3 below
	 * can close a file that is still waiting to move */
	for (uint32_t i = 0; i < nfiles; i++) {
		if (files[i].temp >= top)
			continue;
		long fd = sys3(NR_fcntl, files[i].temp, F_DUPFD_CLOEXEC, top);
		if (fd < 0)
			fail("cannot arrange the program's files: ", errno_name(fd), 0);
		sys1(NR_close, files[i].temp);
		files[i].temp = (int)fd;
	}
	/* the image stays open until the threads start: out of the program's way too */
	long image_fd = sys3(NR_fcntl, im->fd, F_DUPFD_CLOEXEC, top + 64);
	if (image_fd >= 0) {
		sys1(NR_close, im->fd);
		im->fd = (int)image_fd;
	}
	for (uint32_t i = 0; i < nfiles; i++) {
		long r = sys3(NR_dup3, files[i].temp, files[i].target, files[i].cloexec ? O_CLOEXEC : 0);
		if (r < 0)
			fail_num("cannot reopen fd ", files[i].target, "");
		sys1(NR_close, files[i].temp);
		if (files[i].offset >= 0)
			sys3(NR_lseek, files[i].target, files[i].offset, 0);
		if (files[i].setfl >= 0)
			sys3(NR_fcntl, files[i].target, F_SETFL, files[i].setfl);
	}
	/* dups share the offset and flags of their original again */
	for (uint32_t i = 0; i < im->nfds; i++) {
		struct ckpt_fd *f = &im->fds[i];
		if (f->h.dup_of >= 0 && f->h.kind != CKPT_FD_STDIO && f->h.stdio != 2 &&
		    sys3(NR_dup3, f->h.dup_of, f->h.fd, f->h.cloexec ? O_CLOEXEC : 0) < 0)
			fail_num("cannot restore fd ", f->h.fd, " as a dup");
	}
	set_termios(im);
	anon_inode_register(im);
	/* stdin/out/err the program had closed stay closed */
	for (int fd = 0; fd <= 2; fd++) {
		int had = 0;
		for (uint32_t i = 0; i < im->nfds; i++)
			if (im->fds[i].h.fd == fd)
				had = 1;
		if (!had)
			sys1(NR_close, fd);
	}
}

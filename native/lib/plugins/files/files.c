/*
 * files: the fd table. Regular files, directories and devices are reopened by
 * path at the same fd number, offset and flags; stdin, stdout and stderr are
 * whatever the restarting command has (as for a program started anew). Kinds
 * this plugin does not understand make the checkpoint fail with a message that
 * names the fd, rather than a restart that silently differs.
 *
 * Pipes: the bytes waiting in a pipe are read out at checkpoint (every thread
 * is stopped, so nothing races with it), put back at once through a second
 * write end opened via /proc/self/fd, and saved; the restorer makes a new pipe
 * with the same bytes in it. An end whose peer is outside the process comes
 * back with its peer closed (reads see end of file, writes EPIPE). Sockets: see
 * sockets.c; one whose peer is outside the computation comes back closed too.
 */
#include "../../engine.h"
#include "../memory/dirty.h"
#include "../../../include/ckpt_proc.h"
#include <fcntl.h>
#include <string.h>
#include <asm/ioctls.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>

static int classify(const struct stat *st, const char *path, int fd)
{
	/* stdin, stdout and stderr are the restarting command's, unless they are
	 * pipes or sockets that may lead to another process of the computation,
	 * or files of the process's own (see stdio.c) */
	if (fd <= 2 && !S_ISSOCK(st->st_mode) && !(S_ISFIFO(st->st_mode) && path[0] != '/') &&
	    ckpt_stdio_is_computations(fd, st))
		return CKPT_FD_STDIO;
	if (ckpt_startswith(path, "anon_inode:[eventfd]"))
		return CKPT_FD_EVENTFD;
	if (ckpt_startswith(path, "anon_inode:[eventpoll]"))
		return CKPT_FD_EPOLL;
	if (ckpt_startswith(path, "anon_inode:[signalfd]"))
		return CKPT_FD_SIGNALFD;
	if (ckpt_startswith(path, "anon_inode:[pidfd]"))
		return CKPT_FD_PIDFD;
	if (ckpt_startswith(path, "anon_inode:[timerfd]"))
		return CKPT_FD_TIMERFD;
	switch (st->st_mode & S_IFMT) {
	case S_IFREG: return CKPT_FD_FILE;
	case S_IFDIR: return CKPT_FD_DIR;
	case S_IFCHR:
		if (st->st_rdev == makedev(5, 2)) /* /dev/ptmx: a pair the program made */
			return CKPT_FD_PTMX;
		if (ckpt_startswith(path, "/dev/pts/") || ckpt_startswith(path, "/dev/tty"))
			return CKPT_FD_TTY;
		return CKPT_FD_DEVICE;
	case S_IFBLK: return CKPT_FD_DEVICE;
	case S_IFIFO: return path[0] == '/' ? CKPT_FD_FIFO : CKPT_FD_PIPE;
	case S_IFSOCK: return CKPT_FD_SOCKET;
	default: return CKPT_FD_OTHER;
	}
}

static const char *kind_name(int k)
{
	switch (k) {
	case CKPT_FD_PIPE: return "pipe";
	case CKPT_FD_SOCKET: return "socket";
	case CKPT_FD_FIFO: return "fifo";
	case CKPT_FD_TTY: return "terminal";
	default: return "special file";
	}
}

static int ends_with_deleted(const char *p)
{
	size_t n = ckpt_strlen(p), k = ckpt_strlen(" (deleted)");
	return n > k && !__builtin_memcmp(p + n - k, " (deleted)", k);
}

#define PIPE_DATA_MAX (16ul << 20)
static char *pipe_data;
static uint64_t pipe_data_len;

static int ensure_data(void)
{
	if (!pipe_data) {
		long m = SYS6(SYS_mmap, 0, PIPE_DATA_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			      -1, 0);
		if (m < 0 && m > -4096)
			return ckpt_fail("cannot allocate memory for pipe contents");
		pipe_data = (char *)m;
	}
	return 0;
}

long ckpt_socket_describe(int fd, struct ckpt_img_fd *rec, char *data, uint64_t cap);

/* "key: value" of an fdinfo text, after `from` */
static const char *field(const char *text, const char *key)
{
	size_t kl = ckpt_strlen(key);
	for (const char *l = text; *l;) {
		if (ckpt_startswith(l, key) && l[kl] == ':')
			return l + kl + 1;
		while (*l && *l != '\n')
			l++;
		if (*l)
			l++;
	}
	return 0;
}

/* "(sec, nsec)" */
static void parse_pair(const char *p, int64_t *a, int64_t *b)
{
	while (*p && *p != '(')
		p++;
	if (*p)
		p++;
	*a = ckpt_parse_long(&p);
	while (*p == ',' || *p == ' ')
		p++;
	*b = ckpt_parse_long(&p);
}

/* eventfd, epoll, signalfd, timerfd: their state as /proc/self/fdinfo shows it */
static int describe_anon(int fd, struct ckpt_img_fd *rec)
{
	char path[64], info[8192];
	const char *prefix = "/proc/self/fdinfo/";
	ckpt_format_fd_link(path, sizeof path, fd);
	/* /proc/self/fd/N -> /proc/self/fdinfo/N */
	char num[16];
	ckpt_strlcpy(num, path + ckpt_strlen("/proc/self/fd/"), sizeof num);
	size_t n = 0;
	for (const char *p = prefix; *p; p++)
		path[n++] = *p;
	for (const char *p = num; *p; p++)
		path[n++] = *p;
	path[n] = 0;
	if (ckpt_read_file(path, info, sizeof info) <= 0)
		return ckpt_fail("fd %d: cannot read its state", fd);
	const char *v;
	switch (rec->kind) {
	case CKPT_FD_EVENTFD:
		if ((v = field(info, "eventfd-count")))
			rec->event_count = (uint64_t)ckpt_parse_long(&v);
		if ((v = field(info, "eventfd-semaphore")))
			rec->semaphore = (uint32_t)ckpt_parse_long(&v);
		break;
	case CKPT_FD_SIGNALFD:
		if ((v = field(info, "sigmask")))
			rec->sigmask = ckpt_parse_hex(&v);
		break;
	case CKPT_FD_TIMERFD:
		if ((v = field(info, "clockid")))
			rec->clockid = (uint32_t)ckpt_parse_long(&v);
		if ((v = field(info, "it_value")))
			parse_pair(v, &rec->timer[0], &rec->timer[1]);
		if ((v = field(info, "it_interval")))
			parse_pair(v, &rec->timer[2], &rec->timer[3]);
		/* a periodic timer that expired unread shows no time left: it is due */
		if (!rec->timer[0] && !rec->timer[1] && (rec->timer[2] || rec->timer[3]))
			rec->timer[1] = 1;
		break;
	case CKPT_FD_EPOLL:
		if (ensure_data() < 0)
			return -1;
		rec->data_offset = pipe_data_len;
		for (const char *l = info; *l;) {
			if (ckpt_startswith(l, "tfd:")) {
				const char *p = l + 4;
				struct ckpt_img_epoll_entry e;
				e.tfd = (int32_t)ckpt_parse_long(&p);
				while (*p == ' ')
					p++;
				p += ckpt_startswith(p, "events:") ? 7 : 0;
				e.events = (uint32_t)ckpt_parse_hex(&p);
				while (*p == ' ')
					p++;
				p += ckpt_startswith(p, "data:") ? 5 : 0;
				e.data = ckpt_parse_hex(&p);
				if (pipe_data_len + sizeof e <= PIPE_DATA_MAX) {
					__builtin_memcpy(pipe_data + pipe_data_len, &e, sizeof e);
					pipe_data_len += sizeof e;
				}
			}
			while (*l && *l != '\n')
				l++;
			if (*l)
				l++;
		}
		rec->data_len = pipe_data_len - rec->data_offset;
		break;
	}
	return 0;
}

/* Each pipe is drained once, whatever number of read ends it has. */
static uint64_t drained[256];
static int ndrained;

/* Reads out what waits in the pipe or FIFO behind fd and puts it back (a
 * FIFO's write end opens by its path: this process holds a read end). */
static int drain_pipe(int fd, struct ckpt_img_fd *rec)
{
	uint64_t key = rec->kind == CKPT_FD_FIFO ? rec->ino | (1ull << 63) : rec->ino;
	for (int i = 0; i < ndrained; i++)
		if (drained[i] == key)
			return 0;
	if (ndrained < 256)
		drained[ndrained++] = key;
	if (ensure_data() < 0)
		return -1;
	long flags = SYS2(SYS_fcntl, fd, F_GETFL);
	SYS3(SYS_fcntl, fd, F_SETFL, flags | O_NONBLOCK);
	rec->data_offset = pipe_data_len;
	for (;;) {
		long r = SYS3(SYS_read, fd, pipe_data + pipe_data_len, PIPE_DATA_MAX - pipe_data_len);
		if (r <= 0)
			break;
		pipe_data_len += (uint64_t)r;
	}
	SYS3(SYS_fcntl, fd, F_SETFL, flags);
	rec->data_len = pipe_data_len - rec->data_offset;
	if (!rec->data_len)
		return 0;
	char link[64];
	ckpt_format_fd_link(link, sizeof link, fd);
	int wfd = (int)SYS3(SYS_open, link, O_WRONLY | O_NONBLOCK | O_CLOEXEC, 0);
	if (wfd < 0)
		return ckpt_fail("fd %d: cannot put the pipe's contents back", fd);
	for (uint64_t done = 0; done < rec->data_len;) {
		long r = SYS3(SYS_write, wfd, pipe_data + rec->data_offset + done, rec->data_len - done);
		if (r <= 0) {
			SYS1(SYS_close, wfd);
			return ckpt_fail("fd %d: cannot put the pipe's contents back", fd);
		}
		done += (uint64_t)r;
	}
	SYS1(SYS_close, wfd);
	return 0;
}

static int write_pipe_data(struct ckpt_writer *w)
{
	int rc = -1;
	if (ckpt_section_begin(w, CKPT_SEC_FDDATA, 0) == 0 &&
	    (!pipe_data_len || ckpt_section_write(w, pipe_data, pipe_data_len) == 0))
		rc = ckpt_section_end(w);
	/* gone before the memory plugin looks at the address space */
	if (pipe_data)
		SYS2(SYS_munmap, pipe_data, PIPE_DATA_MAX);
	pipe_data = 0;
	return rc;
}

/* An open file that has no name any more (a shell's here-document, tmpfile(),
 * O_TMPFILE): its bytes are saved with the pipes' data; the restorer makes an
 * unnamed file again (restore/files.c). */
static int save_deleted(int fd, struct ckpt_img_fd *rec)
{
	if (ensure_data() < 0)
		return -1;
	if (rec->size > PIPE_DATA_MAX - pipe_data_len)
		return ckpt_fail("fd %d: the deleted file %s (%lu bytes) is too large to be saved", fd, rec->path,
				 (unsigned long)rec->size);
	rec->data_offset = pipe_data_len;
	uint64_t done = 0;
	while (done < rec->size) {
		long r = SYS4(SYS_pread64, fd, pipe_data + pipe_data_len + done, rec->size - done, done);
		if (r < 0)
			return ckpt_fail("fd %d: cannot read the deleted file %s", fd, rec->path);
		if (r == 0)
			break;
		done += (uint64_t)r;
	}
	rec->data_len = done;
	pipe_data_len += done;
	return 0;
}

/* A pidfd names a process: saved by its virtual PID, opened again on it. */
static int describe_pidfd(int fd, struct ckpt_img_fd *rec)
{
	char path[64], text[1024];
	ckpt_fmt(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	long pid = -1;
	if (ckpt_read_file(path, text, sizeof text) > 0)
		for (const char *l = text; *l; l++)
			if (ckpt_startswith(l, "Pid:")) {
				const char *p = l + 4;
				pid = ckpt_parse_long(&p);
				break;
			}
	if (pid <= 0)
		return ckpt_fail("process %d, fd %d: a pidfd of a process that has ended cannot be saved", ckpt_rt.vpid, fd);
	rec->event_count = (uint64_t)ckpt_pid_virtual((pid_t)pid);
	return 0;
}

#define MAX_SEEN 4096
static int seen[MAX_SEEN]; /* fds already saved, to find dups */
static int nseen;

static int files_checkpoint(struct ckpt_writer *w)
{
	nseen = 0;
	pipe_data_len = 0;
	ndrained = 0;
	ckpt_locks_reset();
	static struct ckpt_img_fd rec;
	int image_fd = ckpt_writer_fd(w);
	struct ckpt_procdir dir;
	if (ckpt_procdir_open(&dir, "/proc/self/fd") < 0)
		return ckpt_fail("cannot list the process's files");
	if (ckpt_section_begin(w, CKPT_SEC_FDS, 0) < 0)
		goto fail;
	for (int fd; (fd = ckpt_procdir_next(&dir)) >= 0;) {
		if (fd == dir.fd || fd == image_fd || ckpt_control_fd_is_ours(fd) || ckpt_dirty_fd_is_ours(fd))
			continue;
		memset(&rec, 0, sizeof rec);
		rec.fd = fd;
		char link[64];
		ckpt_format_fd_link(link, sizeof link, fd);
		long l = SYS3(SYS_readlink, link, rec.path, sizeof rec.path - 1);
		rec.path[l > 0 ? l : 0] = 0;
		if (ckpt_inotify_owns(rec.path))
			continue; /* the inotify plugin's */
		struct stat st;
		if (SYS2(SYS_fstat, fd, &st) < 0)
			continue;
		rec.kind = (uint32_t)classify(&st, rec.path, fd);
		rec.stdio = fd <= 2;
		rec.flags = (uint32_t)SYS2(SYS_fcntl, fd, F_GETFL);
		rec.cloexec = (uint32_t)(SYS2(SYS_fcntl, fd, F_GETFD) & FD_CLOEXEC);
		rec.offset = SYS3(SYS_lseek, fd, 0, SEEK_CUR);
		if (rec.offset < 0)
			rec.offset = -1;
		rec.dev = st.st_dev;
		rec.ino = st.st_ino;
		rec.size = (uint64_t)st.st_size;
		rec.mode = st.st_mode;
		rec.dup_of = -1;
		for (int k = 0; k < nseen; k++)
			if (SYS6(SYS_kcmp, ckpt_rt.real_pid, ckpt_rt.real_pid, 0 /* KCMP_FILE */, seen[k], fd, 0) == 0) {
				rec.dup_of = seen[k];
				break;
			}
		if (nseen < MAX_SEEN)
			seen[nseen++] = fd;
		if (rec.dup_of >= 0 && rec.kind != CKPT_FD_STDIO) {
			if (ckpt_section_write(w, &rec, sizeof rec) < 0)
				goto fail;
			continue; /* its state is the other fd's */
		}
		if (rec.kind == CKPT_FD_FILE && ends_with_deleted(rec.path) && save_deleted(fd, &rec) < 0)
			goto fail;
		if (rec.kind == CKPT_FD_FILE || rec.kind == CKPT_FD_DIR)
			ckpt_locks_note(fd);
		if (rec.kind == CKPT_FD_PIPE && (rec.flags & O_ACCMODE) == O_RDONLY && !ckpt_pipe_skipped(rec.ino) &&
		    drain_pipe(fd, &rec) < 0)
			goto fail;
		/* a FIFO's bytes, by one of the processes that can read it */
		if (rec.kind == CKPT_FD_FIFO && (rec.flags & O_ACCMODE) != O_WRONLY && !ckpt_fifo_skipped(rec.ino) &&
		    drain_pipe(fd, &rec) < 0)
			goto fail;
		if (rec.kind == CKPT_FD_SOCKET && ensure_data() == 0) {
			rec.data_offset = pipe_data_len;
			rec.data_len = (uint64_t)ckpt_socket_describe(fd, &rec, pipe_data + pipe_data_len,
								     PIPE_DATA_MAX - pipe_data_len);
			pipe_data_len += rec.data_len;
		}
		if ((rec.kind == CKPT_FD_EVENTFD || rec.kind == CKPT_FD_EPOLL || rec.kind == CKPT_FD_SIGNALFD ||
		     rec.kind == CKPT_FD_TIMERFD) &&
		    describe_anon(fd, &rec) < 0)
			goto fail;
		/* a terminal's settings (raw mode of a full-screen program, say) go
		 * to whatever terminal the restarted program gets */
		if (rec.kind == CKPT_FD_TTY || rec.kind == CKPT_FD_STDIO)
			rec.has_termios = SYS3(SYS_ioctl, fd, TCGETS, rec.termios) == 0;
		if (rec.kind == CKPT_FD_PIDFD && describe_pidfd(fd, &rec) < 0)
			goto fail;
		if (rec.kind == CKPT_FD_PTMX && SYS3(SYS_ioctl, fd, TIOCGPTN, &rec.pty) < 0) {
			ckpt_fail("process %d, fd %d: cannot read the number of its pseudo-terminal", ckpt_rt.vpid, fd);
			goto fail;
		}
		if (rec.kind == CKPT_FD_OTHER) {
			ckpt_fail("process %d, fd %d: a %s (%s) is not supported by the engine", ckpt_rt.vpid,
				  fd, kind_name((int)rec.kind), rec.path);
			goto fail;
		}
		if (ckpt_section_write(w, &rec, sizeof rec) < 0)
			goto fail;
	}
	ckpt_procdir_close(&dir);
	if (ckpt_section_end(w) < 0 || ckpt_locks_write(w) < 0)
		return -1;
	return write_pipe_data(w);
fail:
	ckpt_procdir_close(&dir);
	if (pipe_data)
		SYS2(SYS_munmap, pipe_data, PIPE_DATA_MAX);
	pipe_data = 0;
	return -1;
}

static const struct ckpt_plugin files_plugin = {
	.name = "files",
	.order = 30,
	.checkpoint = files_checkpoint,
	.restart = ckpt_stdio_after_restart,
};
CKPT_PLUGIN(files_plugin)

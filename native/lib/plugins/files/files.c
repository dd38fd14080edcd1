/*
 * files: the fd table. Regular files, directories and devices are reopened by
 * path at the same fd number, offset and flags; stdin, stdout and stderr are
 * whatever the restarting command has (as for a program started anew). Kinds
 * this plugin does not understand make the checkpoint fail with a message that
 * names the fd, rather than a restart that silently differs.
 *
 * Pipes and FIFOs: see pipes.c. Sockets: see sockets.c; one whose peer is
 * outside the computation comes back closed. eventfd, epoll, signalfd, timerfd
 * and pidfd: see anon_inodes.c.
 */
#include "files.h"
#include "contents.h"
#include "../inotify/inotify.h"
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

char *files_data;
uint64_t files_data_len;

int files_data_ensure(void)
{
	if (!files_data) {
		long m = SYS6(SYS_mmap, 0, FILES_DATA_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			      -1, 0);
		if (m < 0 && m > -4096)
			return ckpt_fail("cannot allocate memory for pipe contents");
		files_data = (char *)m;
	}
	return 0;
}

int files_data_drain(int fd, uint64_t *offset, uint64_t *len)
{
	if (files_data_ensure() < 0)
		return -1;
	long flags = SYS2(SYS_fcntl, fd, F_GETFL);
	SYS3(SYS_fcntl, fd, F_SETFL, flags | O_NONBLOCK);
	*offset = files_data_len;
	for (;;) {
		long r = SYS3(SYS_read, fd, files_data + files_data_len, FILES_DATA_MAX - files_data_len);
		if (r <= 0)
			break;
		files_data_len += (uint64_t)r;
	}
	SYS3(SYS_fcntl, fd, F_SETFL, flags);
	*len = files_data_len - *offset;
	return 0;
}

static int write_data(struct ckpt_writer *w)
{
	int rc = -1;
	if (ckpt_section_begin(w, CKPT_SEC_FDDATA, 0) == 0 &&
	    (!files_data_len || ckpt_section_write(w, files_data, files_data_len) == 0))
		rc = ckpt_section_end(w);
	/* gone before the memory plugin looks at the address space */
	if (files_data)
		SYS2(SYS_munmap, files_data, FILES_DATA_MAX);
	files_data = 0;
	return rc;
}

/* An open file that has no name any more (a shell's here-document, tmpfile(),
 * O_TMPFILE): its bytes are saved with the pipes' data; the restorer makes an
 * unnamed file again (restore/files.c). */
static int save_deleted(int fd, struct ckpt_fd *f)
{
	struct ckpt_img_fd_file *rec = &f->file;
	if (files_data_ensure() < 0)
		return -1;
	if (rec->size > FILES_DATA_MAX - files_data_len)
		return ckpt_fail("fd %d: the deleted file %s (%lu bytes) is too large to be saved", fd, f->path,
				 (unsigned long)rec->size);
	rec->data_offset = files_data_len;
	uint64_t done = 0;
	while (done < rec->size) {
		long r = SYS4(SYS_pread64, fd, files_data + files_data_len + done, rec->size - done, done);
		if (r < 0)
			return ckpt_fail("fd %d: cannot read the deleted file %s", fd, f->path);
		if (r == 0)
			break;
		done += (uint64_t)r;
	}
	rec->data_len = done;
	files_data_len += done;
	return 0;
}

/* The identity a kind keeps: the file's for those reopened by name, the
 * inode that pairs the ends of a pipe or a socket. */
static void note_identity(struct ckpt_fd *rec, const struct stat *st)
{
	switch (rec->h.kind) {
	case CKPT_FD_FILE: case CKPT_FD_DIR: case CKPT_FD_DEVICE: case CKPT_FD_FIFO:
		rec->file.dev = st->st_dev;
		rec->file.ino = st->st_ino;
		rec->file.size = (uint64_t)st->st_size;
		rec->file.mode = st->st_mode;
		break;
	case CKPT_FD_PIPE: rec->pipe.ino = st->st_ino; break;
	case CKPT_FD_SOCKET: rec->sock.ino = st->st_ino; break;
	}
}

static char fd_path[4096];

/* Path, kind, flags, offset and identity of fd; 1 when the fd is not the
 * files plugin's to save (the inotify plugin's, or gone meanwhile). */
static int identify(int fd, struct ckpt_fd *rec)
{
	memset(rec, 0, sizeof *rec);
	rec->h.fd = fd;
	char link[64];
	ckpt_format_fd_link(link, sizeof link, fd);
	long l = SYS3(SYS_readlink, link, fd_path, sizeof fd_path - 1);
	fd_path[l > 0 ? l : 0] = 0;
	rec->path = fd_path;
	if (ckpt_inotify_owns(fd_path))
		return 1;
	struct stat st;
	if (SYS2(SYS_fstat, fd, &st) < 0)
		return 1;
	uint32_t kind = (uint32_t)classify(&st, fd_path, fd);
	rec->h.kind = kind;
	/* A pipe at 0-2 leads outside (a restart gives the restarting command's
	 * own) only when it is the computation's standard file. Any other is the
	 * program's, even once the process at its other end has ended (`seq |
	 * sha1sum` whose seq exited before sha1sum read): at a restart its bytes
	 * go back into a pipe of its own, not lost to the command's input. */
	rec->h.stdio = fd <= 2 && (kind != CKPT_FD_PIPE || ckpt_stdio_is_computations(fd, &st));
	rec->h.flags = (uint32_t)SYS2(SYS_fcntl, fd, F_GETFL);
	rec->h.cloexec = (uint32_t)(SYS2(SYS_fcntl, fd, F_GETFD) & FD_CLOEXEC);
	rec->h.offset = SYS3(SYS_lseek, fd, 0, SEEK_CUR);
	if (rec->h.offset < 0)
		rec->h.offset = -1;
	note_identity(rec, &st);
	return 0;
}

#define MAX_SEEN 4096
static int seen[MAX_SEEN]; /* fds already saved, to find dups */
static int nseen;

/* The fd saved before that shares fd's open file description, or -1. */
static int dup_of(int fd)
{
	int found = -1;
	for (int k = 0; k < nseen && found < 0; k++)
		if (SYS6(SYS_kcmp, ckpt_rt.real_pid, ckpt_rt.real_pid, 0 /* KCMP_FILE */, seen[k], fd, 0) == 0)
			found = seen[k];
	if (nseen < MAX_SEEN)
		seen[nseen++] = fd;
	return found;
}

/* What each kind keeps beyond its path and offset. */
static int save_state(int fd, struct ckpt_fd *rec)
{
	uint32_t k = rec->h.kind;
	int gone = k == CKPT_FD_FILE && ckpt_endswith(rec->path, " (deleted)");
	if (gone && save_deleted(fd, rec) < 0)
		return -1;
	if (k == CKPT_FD_FILE && !gone)
		contents_note_fd(fd, rec);
	if (k == CKPT_FD_FILE || k == CKPT_FD_DIR)
		ckpt_locks_note(fd);
	if ((k == CKPT_FD_PIPE || k == CKPT_FD_FIFO) && pipes_save(fd, rec) < 0)
		return -1;
	if (k == CKPT_FD_SOCKET && files_data_ensure() == 0) {
		rec->sock.data_offset = files_data_len;
		long n = ckpt_socket_describe(fd, &rec->sock, files_data + files_data_len, FILES_DATA_MAX - files_data_len);
		if (n < 0)
			return -1;
		rec->sock.data_len = (uint64_t)n;
		files_data_len += rec->sock.data_len;
	}
	if ((k == CKPT_FD_EVENTFD || k == CKPT_FD_EPOLL || k == CKPT_FD_SIGNALFD || k == CKPT_FD_TIMERFD ||
	     k == CKPT_FD_PIDFD) &&
	    anon_inode_save(fd, rec) < 0)
		return -1;
	/* a terminal's settings (raw mode of a full-screen program, say) go
	 * to whatever terminal the restarted program gets */
	if (k == CKPT_FD_TTY || k == CKPT_FD_STDIO)
		rec->term.has_termios = SYS3(SYS_ioctl, fd, TCGETS, rec->term.termios) == 0;
	if (k == CKPT_FD_PTMX && ptys_save(fd, rec) < 0)
		return -1;
	if (k == CKPT_FD_OTHER)
		return ckpt_fail("process %d, fd %d: a %s (%s) is not supported by the engine", ckpt_rt.vpid, fd,
				 kind_name((int)k), rec->path);
	return 0;
}

/* One fd's record: its header, its kind's record, and for a kind reopened
 * by name the name, a NUL and zeros to a multiple of 8 (ckpt_fd.h). */
static int write_record(struct ckpt_writer *w, struct ckpt_fd *rec)
{
	int at;
	uint32_t fixed = ckpt_fd_record_size(rec->h.kind, &at);
	uint32_t len = at >= 0 ? (uint32_t)ckpt_strlen(rec->path) : 0;
	if (at >= 0)
		__builtin_memcpy((char *)&rec->file /* the record's start */ + at, &len, sizeof len);
	rec->h.payload_size = (uint32_t)ckpt_fd_payload_size(rec->h.kind, len);
	static const char zeros[8];
	if (ckpt_section_write(w, &rec->h, sizeof rec->h) < 0 || ckpt_section_write(w, &rec->file, fixed) < 0)
		return -1;
	if (at < 0)
		return 0;
	uint32_t tail = rec->h.payload_size - fixed - len;
	return len && ckpt_section_write(w, rec->path, len) < 0 ? -1 : ckpt_section_write(w, zeros, tail);
}

/* The FDS section: one record per fd, in /proc's order. */
static int save_fds(struct ckpt_writer *w)
{
	static struct ckpt_fd rec;
	int image_fd = ckpt_writer_fd(w), rc = 0;
	struct ckpt_procdir dir;
	if (ckpt_procdir_open(&dir, "/proc/self/fd") < 0)
		return ckpt_fail("cannot list the process's files");
	if (ckpt_section_begin(w, CKPT_SEC_FDS, 0) < 0)
		rc = -1;
	for (int fd; rc == 0 && (fd = ckpt_procdir_next(&dir)) >= 0;) {
		if (fd == dir.fd || fd == image_fd || ckpt_control_fd_is_ours(fd) || ckpt_dirty_fd_is_ours(fd) || identify(fd, &rec))
			continue;
		rec.h.dup_of = dup_of(fd);
		/* a dup's state is the other fd's */
		if (!(rec.h.dup_of >= 0 && rec.h.kind != CKPT_FD_STDIO) && save_state(fd, &rec) < 0)
			rc = -1;
		else if (write_record(w, &rec) < 0)
			rc = -1;
	}
	ckpt_procdir_close(&dir);
	return rc < 0 ? -1 : ckpt_section_end(w);
}

static int files_checkpoint(struct ckpt_writer *w)
{
	nseen = 0;
	files_data_len = 0;
	pipes_begin();
	ckpt_locks_reset();
	int ok = contents_begin(w) == 0 && save_fds(w) == 0 && contents_write(w) == 0 && ckpt_locks_write(w) == 0;
	contents_end();
	if (ok)
		return write_data(w);
	if (files_data)
		SYS2(SYS_munmap, files_data, FILES_DATA_MAX);
	files_data = 0;
	return -1;
}

static const struct ckpt_plugin files_plugin = {
	.name = "files",
	.order = 30,
	.checkpoint = files_checkpoint,
	.restart = ckpt_stdio_after_restart,
	.answer = contents_answer,
};
CKPT_PLUGIN(files_plugin)

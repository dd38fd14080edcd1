/*
 * One fd as the writer fills it and as the reader hands it to the restorer
 * and the inspector: the common header and its kind's record, with the name
 * of a kind reopened by name beside them. Whatever version the image is, the
 * reader gives this form (ckpt_reader_fds.h), so nobody else knows the flat
 * records of versions 1-3. Freestanding: shared by the preload library, the
 * restorer and the inspector.
 */
#ifndef CKPT_FD_H
#define CKPT_FD_H
#include "ckpt_image.h"
#include "ckpt_decimal.h"

struct ckpt_fd {
	struct ckpt_img_fd h;
	/* FILE, DIR, DEVICE, FIFO, TTY, STDIO, PTMX: the name, NUL-terminated;
	 * other kinds: "" (ckpt_fd_name gives what /proc showed) */
	const char *path;
	union {
		struct ckpt_img_fd_file file;
		struct ckpt_img_fd_terminal term;
		struct ckpt_img_fd_pty pty;
		struct ckpt_img_fd_pipe pipe;
		struct ckpt_img_fd_socket sock;
		struct ckpt_img_fd_eventfd eventfd;
		struct ckpt_img_fd_signalfd signalfd;
		struct ckpt_img_fd_timerfd timerfd;
		struct ckpt_img_fd_epoll epoll;
		struct ckpt_img_fd_pidfd pidfd;
	};
};

/* Bytes of kind's fixed record, 0 for a kind the format does not know;
 * *path_len: where that record keeps the length of the name that follows
 * it (an offset into the record), -1 if no name follows. */
static inline uint32_t ckpt_fd_record_size(uint32_t kind, int *path_len)
{
	*path_len = -1;
	switch (kind) {
	case CKPT_FD_FILE: case CKPT_FD_DIR: case CKPT_FD_DEVICE: case CKPT_FD_FIFO:
		*path_len = __builtin_offsetof(struct ckpt_img_fd_file, path_len);
		return sizeof(struct ckpt_img_fd_file);
	case CKPT_FD_TTY: case CKPT_FD_STDIO:
		*path_len = __builtin_offsetof(struct ckpt_img_fd_terminal, path_len);
		return sizeof(struct ckpt_img_fd_terminal);
	case CKPT_FD_PTMX:
		*path_len = __builtin_offsetof(struct ckpt_img_fd_pty, path_len);
		return sizeof(struct ckpt_img_fd_pty);
	case CKPT_FD_PIPE: return sizeof(struct ckpt_img_fd_pipe);
	case CKPT_FD_SOCKET: return sizeof(struct ckpt_img_fd_socket);
	case CKPT_FD_EVENTFD: return sizeof(struct ckpt_img_fd_eventfd);
	case CKPT_FD_SIGNALFD: return sizeof(struct ckpt_img_fd_signalfd);
	case CKPT_FD_TIMERFD: return sizeof(struct ckpt_img_fd_timerfd);
	case CKPT_FD_EPOLL: return sizeof(struct ckpt_img_fd_epoll);
	case CKPT_FD_PIDFD: return sizeof(struct ckpt_img_fd_pidfd);
	default: return 0;
	}
}

/* The bytes that follow the header of an fd of `kind`: its fixed record and,
 * for a kind reopened by name, the name of path_len bytes, a NUL and zeros
 * to a multiple of 8 */
static inline uint64_t ckpt_fd_payload_size(uint32_t kind, uint64_t path_len)
{
	int at;
	uint64_t n = ckpt_fd_record_size(kind, &at);
	if (at >= 0)
		n += (path_len + 1 + 7) & ~7ull;
	return n;
}

/* f's bytes saved in the FDDATA section: their offset and length, in that
 * order, or 0 for a kind that has none */
static inline uint64_t *ckpt_fd_data(struct ckpt_fd *f)
{
	switch (f->h.kind) {
	case CKPT_FD_FILE: case CKPT_FD_DIR: case CKPT_FD_DEVICE: case CKPT_FD_FIFO: return &f->file.data_offset;
	case CKPT_FD_PTMX: return &f->pty.data_offset;
	case CKPT_FD_PIPE: return &f->pipe.data_offset;
	case CKPT_FD_SOCKET: return &f->sock.data_offset;
	case CKPT_FD_EPOLL: return &f->epoll.data_offset;
	default: return 0;
	}
}

/* What /proc showed as the fd's target: the name of a named kind, else the
 * kernel's name for it (pipe:[ino], socket:[ino], anon_inode:[...]) */
static inline const char *ckpt_fd_name(const struct ckpt_fd *f, char *buf, uint32_t size)
{
	const char *fixed = 0, *prefix = 0;
	uint64_t ino = 0;
	switch (f->h.kind) {
	case CKPT_FD_PIPE: prefix = "pipe:["; ino = f->pipe.ino; break;
	case CKPT_FD_SOCKET: prefix = "socket:["; ino = f->sock.ino; break;
	case CKPT_FD_EVENTFD: fixed = "anon_inode:[eventfd]"; break;
	case CKPT_FD_EPOLL: fixed = "anon_inode:[eventpoll]"; break;
	case CKPT_FD_SIGNALFD: fixed = "anon_inode:[signalfd]"; break;
	case CKPT_FD_TIMERFD: fixed = "anon_inode:[timerfd]"; break;
	case CKPT_FD_PIDFD: fixed = "anon_inode:[pidfd]"; break;
	default: return f->path ? f->path : "";
	}
	if (fixed || size < 32)
		return fixed ? fixed : "";
	uint32_t n = 0;
	while (*prefix)
		buf[n++] = *prefix++;
	char digits[24];
	for (const char *p = ckpt_decimal(digits, ino); *p;)
		buf[n++] = *p++;
	buf[n++] = ']';
	buf[n] = 0;
	return buf;
}
#endif

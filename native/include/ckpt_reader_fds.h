/*
 * The FDS section, for ckpt_reader.h: version 4's records (a header and its
 * kind's record, struct ckpt_img_fd) and the flat records of versions 1-3,
 * both into struct ckpt_fd (ckpt_fd.h), so that the restorer and the
 * inspector know one form. Every size, kind, name and range of saved bytes is
 * checked against the section and the FDDATA section; a refusal names the fd.
 */
#ifndef CKPT_READER_FDS_H
#define CKPT_READER_FDS_H
#include "ckpt_fd.h"

/* Versions 1-3: one record of every field for every kind. */
struct ckpt_img_fd_flat {
	int32_t fd;
	uint32_t kind, flags, cloexec;
	int64_t offset;
	uint64_t dev, ino, size;
	uint32_t mode, stdio;
	int32_t dup_of;
	uint32_t sockopts; /* sockets: CKPT_SOCK_*; pipes: CKPT_FLAT_PIPE_BYTES_KEPT */
	uint64_t data_offset, data_len;
	uint32_t domain, type, protocol, listening;
	uint32_t local_len, peer_len;
	uint64_t peer_ino;
	uint8_t local[128], peer[128];
	uint64_t event_count, sigmask; /* eventfd's count, or a pidfd's virtual PID; signalfd's mask */
	uint32_t semaphore, clockid;
	int64_t timer[4]; /* value sec, nsec, interval sec, nsec */
	uint32_t has_termios;
	uint32_t pty;
	uint8_t termios[64];
	char path[4096];
};
#define CKPT_FLAT_PIPE_BYTES_KEPT 0x100

/* A message in parts, cut at its buffer's end */
struct ckr_text {
	char s[120];
	uint32_t n;
};

static inline void ckr_put(struct ckr_text *t, const char *s)
{
	for (; *s && t->n < sizeof t->s - 1; s++)
		t->s[t->n++] = *s;
	t->s[t->n] = 0;
}

static inline void ckr_put_num(struct ckr_text *t, int64_t v)
{
	char digits[24];
	if (v < 0)
		ckr_put(t, "-");
	ckr_put(t, ckpt_decimal(digits, v < 0 ? 0 - (uint64_t)v : (uint64_t)v));
}

/* "fd <fd>: " to start a message about that fd */
static inline struct ckr_text ckr_fd_text(int32_t fd)
{
	struct ckr_text t = { .n = 0 };
	ckr_put(&t, "fd ");
	ckr_put_num(&t, fd);
	ckr_put(&t, ": ");
	return t;
}

static inline int ckr_fd_fail(struct ckpt_reader *r, struct ckr_text *t)
{
	return ckr_fail(r, "the files section is corrupt (", t->s, ")");
}

static inline int ckr_fd_fail1(struct ckpt_reader *r, int32_t fd, const char *what)
{
	struct ckr_text t = ckr_fd_text(fd);
	ckr_put(&t, what);
	return ckr_fd_fail(r, &t);
}

static inline const char *ckr_fd_kind_name(uint32_t kind)
{
	switch (kind) {
	case CKPT_FD_FILE: return "file";
	case CKPT_FD_DIR: return "directory";
	case CKPT_FD_DEVICE: return "device";
	case CKPT_FD_TTY: return "terminal";
	case CKPT_FD_FIFO: return "FIFO";
	case CKPT_FD_PIPE: return "pipe";
	case CKPT_FD_SOCKET: return "socket";
	case CKPT_FD_STDIO: return "standard file";
	case CKPT_FD_EVENTFD: return "eventfd";
	case CKPT_FD_EPOLL: return "epoll";
	case CKPT_FD_SIGNALFD: return "signalfd";
	case CKPT_FD_TIMERFD: return "timerfd";
	case CKPT_FD_PTMX: return "pseudo-terminal";
	case CKPT_FD_PIDFD: return "pidfd";
	default: return "unknown";
	}
}

/* What any version's record must satisfy once read: saved bytes inside
 * FDDATA, socket addresses inside their arrays. */
static inline int ckr_fd_check(struct ckpt_reader *r, struct ckpt_fd *f)
{
	const uint64_t *data = ckpt_fd_data(f);
	if (data && data[1] && !ckr_inside(data[0], data[1], 0, r->fddata_size))
		return ckr_fd_fail1(r, f->h.fd, "its saved bytes lie outside the pipe contents section");
	if (f->h.kind == CKPT_FD_SOCKET && (f->sock.local_len > sizeof f->sock.local || f->sock.peer_len > sizeof f->sock.peer))
		return ckr_fd_fail1(r, f->h.fd, "a socket address too long");
	return 0;
}

/* "fd 5: its socket record is 16 bytes, not 320" */
static inline int ckr_fd_bad_size(struct ckpt_reader *r, const struct ckpt_img_fd *h, uint64_t want)
{
	struct ckr_text t = ckr_fd_text(h->fd);
	ckr_put(&t, "its ");
	ckr_put(&t, ckr_fd_kind_name(h->kind));
	ckr_put(&t, " record is ");
	ckr_put_num(&t, h->payload_size);
	ckr_put(&t, " bytes, not ");
	ckr_put_num(&t, (int64_t)want);
	return ckr_fd_fail(r, &t);
}

/* One version 4 record: header h, then its h->payload_size bytes at p
 * (inside the section: ckr_fds_v4 checked). */
static inline int ckr_fd_decode(struct ckpt_reader *r, struct ckpt_fd *f, const struct ckpt_img_fd *h, const char *p)
{
	int at;
	uint32_t fixed = ckpt_fd_record_size(h->kind, &at);
	uint64_t size = h->payload_size;
	f->h = *h;
	f->path = "";
	if (!fixed) {
		struct ckr_text t = ckr_fd_text(h->fd);
		ckr_put(&t, "an fd of unknown kind ");
		ckr_put_num(&t, h->kind);
		return ckr_fd_fail(r, &t);
	}
	if (size < fixed)
		return ckr_fd_bad_size(r, h, fixed);
	__builtin_memcpy((void *)&f->file /* the union's start */, p, fixed);
	if (at < 0)
		return size == fixed ? ckr_fd_check(r, f) : ckr_fd_bad_size(r, h, fixed);
	uint32_t len;
	__builtin_memcpy(&len, p + at, sizeof len);
	if (len >= size - fixed) {
		struct ckr_text t = ckr_fd_text(h->fd);
		ckr_put(&t, "its path of ");
		ckr_put_num(&t, len);
		ckr_put(&t, " bytes does not fit its record of ");
		ckr_put_num(&t, (int64_t)size);
		return ckr_fd_fail(r, &t);
	}
	if (size != ckpt_fd_payload_size(h->kind, len))
		return ckr_fd_bad_size(r, h, ckpt_fd_payload_size(h->kind, len));
	if (p[fixed + len])
		return ckr_fd_fail1(r, h->fd, "its path does not end where its length says");
	f->path = p + fixed;
	return ckr_fd_check(r, f);
}

/* Version 4: the records one after another, to the section's end. Counted
 * first, so that the fds are one array. */
static inline int ckr_fds_v4(struct ckpt_reader *r, const char *sec, uint64_t size)
{
	uint64_t n = 0;
	struct ckpt_img_fd h;
	for (uint64_t off = 0; off < size; n++) {
		if (size - off < sizeof h) {
			struct ckr_text t = { .n = 0 };
			ckr_put(&t, "a partial fd header after ");
			ckr_put_num(&t, (int64_t)n);
			ckr_put(&t, " records");
			return ckr_fd_fail(r, &t);
		}
		__builtin_memcpy(&h, sec + off, sizeof h);
		off += sizeof h;
		if (h.payload_size > size - off || h.payload_size % 8) {
			struct ckr_text t = ckr_fd_text(h.fd);
			ckr_put(&t, "its record of ");
			ckr_put_num(&t, h.payload_size);
			ckr_put(&t, h.payload_size % 8 ? " bytes is not a multiple of 8" : " bytes runs past the section's end");
			return ckr_fd_fail(r, &t);
		}
		off += h.payload_size;
		if (n >= 1u << 20)
			return ckr_fail(r, "the files section is too large", 0, 0);
	}
	if (!(r->fds = r->io.alloc(r->io.ctx, (n ? n : 1) * sizeof *r->fds)))
		return ckr_fail(r, "out of memory for the files section", 0, 0);
	r->nfds = (uint32_t)n;
	uint64_t off = 0;
	for (uint32_t i = 0; i < r->nfds; i++) {
		__builtin_memcpy(&h, sec + off, sizeof h);
		if (ckr_fd_decode(r, &r->fds[i], &h, sec + off + sizeof h))
			return -1;
		off += sizeof h + h.payload_size;
	}
	return 0;
}

/* A flat record's fields that mean something for its kind, into f */
static inline void ckr_fd_from_flat(struct ckpt_fd *f, struct ckpt_img_fd_flat *o)
{
	int at;
	o->path[sizeof o->path - 1] = 0;
	f->h = (struct ckpt_img_fd){ .fd = o->fd, .kind = o->kind, .flags = o->flags, .cloexec = o->cloexec,
				     .dup_of = o->dup_of, .stdio = o->stdio, .offset = o->offset };
	f->path = ckpt_fd_record_size(o->kind, &at) && at >= 0 ? o->path : "";
	switch (o->kind) {
	case CKPT_FD_FILE: case CKPT_FD_DIR: case CKPT_FD_DEVICE: case CKPT_FD_FIFO:
		f->file = (struct ckpt_img_fd_file){ o->dev, o->ino, o->size, o->mode, 0, o->data_offset, o->data_len };
		break;
	case CKPT_FD_TTY: case CKPT_FD_STDIO:
		f->term = (struct ckpt_img_fd_terminal){ .has_termios = o->has_termios };
		__builtin_memcpy(f->term.termios, o->termios, sizeof o->termios);
		break;
	case CKPT_FD_PTMX:
		f->pty = (struct ckpt_img_fd_pty){ .number = o->pty, .data_offset = o->data_offset, .data_len = o->data_len };
		break;
	case CKPT_FD_PIPE:
		f->pipe = (struct ckpt_img_fd_pipe){ o->ino, o->data_offset, o->data_len,
						     !!(o->sockopts & CKPT_FLAT_PIPE_BYTES_KEPT), 0 };
		break;
	case CKPT_FD_SOCKET:
		f->sock = (struct ckpt_img_fd_socket){ .ino = o->ino, .peer_ino = o->peer_ino, .data_offset = o->data_offset,
						       .data_len = o->data_len, .domain = o->domain, .type = o->type,
						       .protocol = o->protocol, .listening = o->listening,
						       .options = o->sockopts, .local_len = o->local_len, .peer_len = o->peer_len };
		__builtin_memcpy(f->sock.local, o->local, sizeof o->local);
		__builtin_memcpy(f->sock.peer, o->peer, sizeof o->peer);
		break;
	case CKPT_FD_EVENTFD: f->eventfd = (struct ckpt_img_fd_eventfd){ o->event_count, o->semaphore, 0 }; break;
	case CKPT_FD_SIGNALFD: f->signalfd.mask = o->sigmask; break;
	case CKPT_FD_TIMERFD:
		f->timerfd = (struct ckpt_img_fd_timerfd){ o->clockid, 0, o->timer[0], o->timer[1], o->timer[2], o->timer[3] };
		break;
	case CKPT_FD_EPOLL: f->epoll = (struct ckpt_img_fd_epoll){ o->data_offset, o->data_len }; break;
	case CKPT_FD_PIDFD: f->pidfd = (struct ckpt_img_fd_pidfd){ (int32_t)o->event_count, 0 }; break;
	}
}

/* Versions 1-3: an array of flat records. */
static inline int ckr_fds_flat(struct ckpt_reader *r, char *sec, uint64_t size)
{
	struct ckpt_img_fd_flat *old = (void *)sec;
	if (size % sizeof *old)
		return ckr_fail(r, "the files section is corrupt (a partial entry)", 0, 0);
	uint64_t n = size / sizeof *old;
	if (n > 1u << 20)
		return ckr_fail(r, "the files section is too large", 0, 0);
	if (!(r->fds = r->io.alloc(r->io.ctx, (n ? n : 1) * sizeof *r->fds)))
		return ckr_fail(r, "out of memory for the files section", 0, 0);
	r->nfds = (uint32_t)n;
	for (uint32_t i = 0; i < r->nfds; i++) {
		int at;
		if (!ckpt_fd_record_size(old[i].kind, &at)) {
			struct ckr_text t = ckr_fd_text(old[i].fd);
			ckr_put(&t, "an fd of unknown kind ");
			ckr_put_num(&t, old[i].kind);
			return ckr_fd_fail(r, &t);
		}
		ckr_fd_from_flat(&r->fds[i], &old[i]);
		if (ckr_fd_check(r, &r->fds[i]))
			return -1;
	}
	return 0;
}

/* The FDS section's bytes, loaded by ckr_read before FDDATA; read once that is */
static inline int ckr_files(struct ckpt_reader *r)
{
	return r->hdr.version >= 4 ? ckr_fds_v4(r, r->fds_raw, r->fds_raw_size)
				   : ckr_fds_flat(r, r->fds_raw, r->fds_raw_size);
}
#endif

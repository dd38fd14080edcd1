/*
 * The image writer: sections written one after another, each hashed as it goes,
 * then the section table, then the header at offset 0. Until the header is
 * written the file is not an image (wrong magic), so a crash midway never leaves
 * something that looks restorable.
 */
#include "engine.h"
#include "chunk_writer.h"
#include "../include/ckpt_hash.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>

#define MAX_SECTIONS 64

struct ckpt_writer {
	int fd;
	uint64_t off;
	int nsec;
	int open_sec; /* -1: none */
	int chunked;  /* the memory contents: see ckpt_chunked_hash */
	struct ckpt_hash hash;
	struct ckpt_chunked_hash chunks;
	struct ckpt_chunks stored; /* the memory contents' chunks, as blocks */
	uint64_t block_bytes;      /* bytes of the blocks written (not linked) */
	char path[4096];
	struct ckpt_img_section sec[MAX_SECTIONS];
};

static struct ckpt_writer the_writer;

const char *ckpt_errno_text(long e)
{
	switch (e) {
	case ENOSPC: return "no space left on device";
	case EDQUOT: return "disk quota exceeded";
	case EFBIG: return "file too large";
	case EIO: return "input/output error";
	case EACCES: return "permission denied";
	case ENOENT: return "no such file or directory";
	case EEXIST: return "file exists";
	case EROFS: return "read-only file system";
	default: return "write error";
	}
}

static int write_all(struct ckpt_writer *w, const void *data, size_t n)
{
	const char *p = data;
	while (n) {
		size_t chunk = n > (1u << 30) ? (1u << 30) : n;
		long r = SYS3(SYS_write, w->fd, p, chunk);
		if (r == -EINTR)
			continue;
		if (r < 0)
			return ckpt_fail("cannot write the image: %s", ckpt_errno_text(-r));
		if (r == 0)
			return ckpt_fail("cannot write the image: %s", ckpt_errno_text(ENOSPC));
		p += r;
		n -= (size_t)r;
		w->off += (uint64_t)r;
	}
	return 0;
}

struct ckpt_writer *ckpt_writer_open(const char *path)
{
	struct ckpt_writer *w = &the_writer;
	__builtin_memset(w, 0, sizeof *w);
	w->open_sec = -1;
	ckpt_strlcpy(w->path, path, sizeof w->path);
	w->fd = (int)SYS3(SYS_open, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		ckpt_fail("cannot create the image %s: %s", path, ckpt_errno_text(-w->fd));
		return 0;
	}
	/* room for the header, written last */
	static const char zero[CKPT_IMG_HEADER_SIZE];
	if (write_all(w, zero, sizeof zero) < 0) {
		SYS1(SYS_close, w->fd);
		return 0;
	}
	return w;
}

int ckpt_writer_fd(struct ckpt_writer *w) { return w->fd; }
uint64_t ckpt_writer_offset(struct ckpt_writer *w) { return w->off; }

int ckpt_writer_align(struct ckpt_writer *w, uint64_t align)
{
	static const char zero[4096];
	uint64_t pad = (align - (w->off % align)) % align;
	while (pad) {
		uint64_t n = pad > sizeof zero ? sizeof zero : pad;
		if (write_all(w, zero, n) < 0)
			return -1;
		pad -= n;
	}
	return 0;
}

int ckpt_section_begin(struct ckpt_writer *w, uint32_t type, const char *name)
{
	if (w->nsec >= MAX_SECTIONS)
		return ckpt_fail("too many image sections");
	struct ckpt_img_section *s = &w->sec[w->nsec];
	__builtin_memset(s, 0, sizeof *s);
	s->type = type;
	s->offset = w->off;
	if (name)
		ckpt_strlcpy(s->name, name, sizeof s->name);
	w->open_sec = w->nsec++;
	w->chunked = type == CKPT_SEC_MEMDATA;
	ckpt_hash_init(&w->hash);
	ckpt_chunked_init(&w->chunks);
	return w->chunked ? ckpt_chunks_begin(&w->stored, w->path) : 0;
}

int ckpt_section_write(struct ckpt_writer *w, const void *data, size_t n)
{
	if (!w->chunked) {
		ckpt_hash_update(&w->hash, data, n);
		return write_all(w, data, n);
	}
	/* the memory contents' checksum is over the contents, however stored */
	ckpt_chunked_update(&w->chunks, data, n);
	if (w->stored.on)
		return ckpt_chunks_write(&w->stored, data, n);
	return write_all(w, data, n);
}

int ckpt_section_end(struct ckpt_writer *w)
{
	struct ckpt_img_section *s = &w->sec[w->open_sec];
	int stored = w->chunked && w->stored.on;
	if (stored && ckpt_chunks_end(&w->stored) < 0)
		return -1;
	s->size = w->off - s->offset;
	s->checksum = w->chunked ? ckpt_chunked_final(&w->chunks) : ckpt_hash_final(&w->hash);
	w->open_sec = -1;
	w->chunked = 0;
	if (!stored)
		return 0;
	int rc = ckpt_chunks_table(w, &w->stored);
	w->block_bytes += w->stored.added;
	ckpt_chunks_release(&w->stored);
	return rc;
}

/* Writes the table and the header; returns the bytes written (the image's
 * size and its new blocks') or -1. */
long ckpt_writer_finish(struct ckpt_writer *w)
{
	struct ckpt_img_header h;
	__builtin_memset(&h, 0, sizeof h);
	__builtin_memcpy(h.magic, CKPT_IMG_MAGIC, 8);
	h.version = CKPT_IMG_VERSION;
	h.arch = CKPT_IMG_ARCH_X86_64;
	h.header_size = CKPT_IMG_HEADER_SIZE;
	h.nsections = (uint32_t)w->nsec;
	h.table_offset = w->off;
	size_t table_len = sizeof(struct ckpt_img_section) * (size_t)w->nsec;
	h.file_size = w->off + table_len;
	if (write_all(w, w->sec, table_len) < 0)
		return -1;
	struct ckpt_hash hh;
	ckpt_hash_init(&hh);
	ckpt_hash_update(&hh, &h, sizeof h);
	ckpt_hash_update(&hh, w->sec, table_len);
	h.header_checksum = ckpt_hash_final(&hh);
	long r = SYS4(SYS_pwrite64, w->fd, &h, sizeof h, 0);
	if (r != (long)sizeof h)
		return ckpt_fail("cannot write the image header: %s", ckpt_errno_text(r < 0 ? -r : ENOSPC));
	r = SYS1(SYS_close, w->fd);
	w->fd = -1;
	if (r < 0)
		return ckpt_fail("cannot close the image: %s", ckpt_errno_text(-r));
	/* what the snapshot added: the image, and the blocks it wrote */
	return (long)(h.file_size + w->block_bytes);
}

void ckpt_writer_detach(struct ckpt_writer *w)
{
	if (w->fd >= 0)
		SYS1(SYS_close, w->fd);
	w->fd = -1;
}

void ckpt_writer_abort(struct ckpt_writer *w, const char *path)
{
	if (w)
		ckpt_chunks_release(&w->stored);
	if (w && w->fd >= 0)
		SYS1(SYS_close, w->fd);
	if (w)
		w->fd = -1;
	SYS1(SYS_unlink, path);
}

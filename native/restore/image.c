/*
 * Reading an image: everything is checked before anything is changed, by the
 * reader shared with the inspector (include/ckpt_reader.h). A read error or a
 * short file fails here with its own message; page contents are checked as
 * they are read into place.
 */
#include "rt.h"
#include "../include/ckpt_reader.h"

static void read_at(struct image *im, void *buf, uint64_t n, uint64_t off)
{
	char *p = buf;
	while (n) {
		long r = sys4(NR_pread64, im->fd, p, n > (1ul << 30) ? (1ul << 30) : n, off);
		if (r == -EINTR)
			continue;
		if (r < 0)
			fail("cannot read the image: ", errno_name(r), 0);
		if (r == 0)
			fail("the image is truncated", 0, 0);
		p += r;
		n -= (uint64_t)r;
		off += (uint64_t)r;
	}
}

static int reader_read(void *ctx, void *buf, uint64_t n, uint64_t off)
{
	read_at(ctx, buf, n, off);
	return 0;
}

static void *reader_alloc(void *ctx, uint64_t n)
{
	return arena_alloc(n);
}

/* A block of the image's blocks folder (ckpt_reader_io.block): opened there,
 * never through a symbolic link; two filling threads may read at once. */
static int reader_block(void *ctx, const char *name, void *buf, uint64_t n)
{
	struct image *im = ctx;
	if (im->blocks_fd < 0)
		return -1;
	long fd = sys4(NR_openat, im->blocks_fd, (long)name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return fd == -ENOENT ? -1 : fd == -ELOOP ? -2 : -3;
	uint64_t st[18];
	int rc = 0;
	if (sys2(NR_fstat, fd, st) < 0)
		rc = -3;
	else if (((uint32_t)st[3] & 0170000) != 0100000 || st[6] != n) /* st_mode, st_size */
		rc = -2;
	for (uint64_t done = 0; !rc && buf && done < n;) {
		long r = sys4(NR_pread64, fd, (char *)buf + done, n - done > (1ul << 30) ? (1ul << 30) : n - done, done);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			rc = -3;
		else
			done += (uint64_t)r;
	}
	sys1(NR_close, fd);
	return rc;
}

/* rel taken from the image's own folder (as it is, if absolute): a
 * parent image, the blocks folder. */
char *beside_image(const struct image *im, const char *rel)
{
	size_t dir = 0;
	for (size_t i = 0; im->path[i]; i++)
		if (im->path[i] == '/')
			dir = i + 1;
	if (rel[0] == '/')
		dir = 0;
	char *p = arena_alloc(dir + strlen(rel) + 1);
	memcpy(p, im->path, dir);
	memcpy(p + dir, rel, strlen(rel) + 1);
	return p;
}

/* The blocks folder beside the image (ckpt_image.h), when its pages are there. */
static void open_blocks(struct image *im)
{
	im->blocks_fd = (int)sys4(NR_openat, -100 /* AT_FDCWD */, (long)beside_image(im, CKPT_BLOCKS_DIR),
				  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
}

void image_load(struct image *im, const char *path)
{
	memset(im, 0, sizeof *im);
	im->path = path;
	image_enter(im); /* no process yet: the image's path alone */
	im->fd = (int)sys3(NR_open, path, O_RDONLY | O_CLOEXEC, 0);
	if (im->fd < 0)
		fail("cannot open the image: ", errno_name(im->fd), 0);
	uint64_t st[18];
	if (sys2(NR_fstat, im->fd, st) < 0)
		fail("cannot read the image", 0, 0);
	struct ckpt_reader *r = arena_alloc(sizeof *r);
	memset(r, 0, sizeof *r);
	r->io = (struct ckpt_reader_io){ im, reader_read, reader_alloc, reader_block };
	im->blocks_fd = -1;
	if (ckr_read(r, st[6] /* struct stat.st_size on x86_64 */))
		fail(r->msg, 0, 0);
	if (r->chunks)
		open_blocks(im);
	im->reader = r;
	im->hdr = r->hdr;
	im->sec = r->sec;
	im->proc = r->proc;
	im->threads = r->threads;
	im->nthreads = r->nthreads;
	im->signals = r->signals;
	im->fds = r->fds;
	im->nfds = r->nfds;
	im->mm = r->mm;
	im->regions = r->regions;
	im->runs = r->runs;
	im->strings = r->strings;
	im->auxv = r->auxv;
	im->auxv_size = r->auxv_size;
	im->memdata = r->memdata;
	im->fddata = r->fddata;
	im->fddata_size = r->fddata_size;
	im->zombies = r->zombies;
	im->nzombies = r->nzombies;
	im->locks = r->locks;
	im->nlocks = r->nlocks;
	im->parent_rec = r->parent_rec;
	image_enter(im);
}

const char *region_path(struct image *im, struct ckpt_img_region *r)
{
	return r->path == ~0ull ? "" : im->strings + r->path;
}

/* Every block of the image there, a plain file of its size: checked before
 * anything is changed, so that a missing one refuses the restart whole. */
void image_check_blocks(struct image *im)
{
	image_path = im->path;
	if (ckr_blocks_present(im->reader))
		fail(im->reader->msg, 0, 0);
}

/* --check: read every page back and compare the checksum, changing nothing */
void image_verify_data(struct image *im)
{
	if (ckr_verify_memdata(im->reader))
		fail(im->reader->msg, 0, 0);
}

/*
 * The memory contents written as blocks (image version 3, the MEMCHUNKS
 * section of include/ckpt_image.h): the pages come in as one stream, are cut
 * in chunks of CKPT_DATA_CHUNK bytes, and each chunk becomes a file of the
 * snapshot's `blocks/` folder named by the XXH3-128 hash of its contents,
 * stored as one zstd frame where that saves at least an eighth of it, or as
 * it is. The forked writer hashes and compresses while the program runs on,
 * so this costs the program no pause, only the writer's time.
 *
 * Stored once: the computation's store (the order's "blocks", a folder beside
 * the snapshots) holds a link to every block written. A chunk whose block is
 * already there, from any snapshot or process of the computation, is linked
 * into this snapshot's folder instead of written again; a new block is
 * written to a temporary name in this snapshot's folder, linked into the
 * store, then renamed to its name. So every snapshot folder holds links to
 * all the blocks its images use (it can be restored, copied or deleted
 * alone), deleting a snapshot frees exactly the blocks no other one links
 * (the coordinator then drops store links no snapshot shares), and a block
 * is found by its name only once it is whole: a writer killed midway leaves
 * a temporary file in an unlisted snapshot folder and nothing a later
 * snapshot could trust.
 *
 * A chunk that does not pay makes the next ones go uncompressed without
 * trying, one, then two, up to 64, until one pays again: memory that does
 * not compress (encrypted, already compressed) costs little time.
 * CKPT_COMPRESS: unset or "1": zstd level 1; "0": blocks as they are; a
 * number from -7 to 9: that zstd level (negative ones are faster and save
 * less). CKPT_BLOCKS=0: no blocks, the pages inside the image as in version 2.
 *
 * Memory comes from mmap, not malloc: the forked writer is a raw clone of a
 * program that may be in the middle of malloc in another thread.
 */
#define ZSTD_STATIC_LINKING_ONLY
#include "chunk_writer.h"
#include "writer.h"
#include "../include/ckpt_hash.h"
#include "../include/ckpt_reader.h"
#include "../include/ckpt_xxh.h"
#include <errno.h>
#include <fcntl.h>
#include <zstd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define FRAME_MAX ZSTD_COMPRESSBOUND(CKPT_DATA_CHUNK)
/* entries for 64 TiB of contents; pages are touched only as they are used */
#define MAX_CHUNKS (1ul << 24)

static int level = 1, compress = 1, blocks = 1;
/* the computation's store, from the checkpoint order ("" if none) */
static char store_path[4096];

__attribute__((constructor(130))) static void read_settings(void)
{
	const char *b = ckpt_env("CKPT_BLOCKS");
	blocks = !(b && !__builtin_strcmp(b, "0"));
	const char *s = ckpt_env("CKPT_COMPRESS");
	if (!s || !*s)
		return;
	const char *p = s;
	long v = ckpt_parse_long(&p);
	if (*p || v < -7 || v > 9)
		return; /* not a level: the default */
	compress = v != 0;
	level = (int)v;
}

int ckpt_chunks_blocks(void) { return blocks; }

void ckpt_chunks_take_order(const char *order)
{
	if (!ckpt_order_field(order, "blocks", store_path, sizeof store_path) ||
	    ckpt_strlen(store_path) >= sizeof store_path - 1)
		store_path[0] = 0;
}

static void *map(uint64_t n)
{
	long m = SYS6(SYS_mmap, 0, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return m < 0 && m > -4096 ? 0 : (void *)m;
}

static uint64_t workspace_size(void) { return ZSTD_estimateCCtxSize(level); }

/* dir: a folder, made private if it is not there; never a symbolic link */
static int open_dir(const char *dir)
{
	SYS2(SYS_mkdir, dir, 0700);
	return (int)SYS3(SYS_open, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
}

/* The blocks folder beside the image at `image`. */
static int open_own(const char *image)
{
	char dir[4096];
	size_t cut = 0, n = ckpt_strlen(image);
	for (size_t i = 0; i < n; i++)
		if (image[i] == '/')
			cut = i + 1;
	if (cut + sizeof CKPT_BLOCKS_DIR > sizeof dir)
		return -1;
	__builtin_memcpy(dir, image, cut);
	__builtin_memcpy(dir + cut, CKPT_BLOCKS_DIR, sizeof CKPT_BLOCKS_DIR);
	return open_dir(dir);
}

static void lane_free(struct chunk_lane *l)
{
	if (l->chunk)
		SYS2(SYS_munmap, l->chunk, CKPT_DATA_CHUNK);
	if (l->frame)
		SYS2(SYS_munmap, l->frame, FRAME_MAX);
	if (l->work)
		SYS2(SYS_munmap, l->work, workspace_size());
	__builtin_memset(l, 0, sizeof *l);
}

static int lane_alloc(struct chunk_lane *l)
{
	l->chunk = map(CKPT_DATA_CHUNK);
	l->frame = map(FRAME_MAX);
	l->work = compress ? map(workspace_size()) : 0;
	l->cctx = l->work ? ZSTD_initStaticCCtx(l->work, workspace_size()) : 0;
	if (!l->chunk || !l->frame || (compress && !l->cctx)) {
		lane_free(l);
		return -1;
	}
	if (l->cctx)
		ZSTD_CCtx_setParameter(l->cctx, ZSTD_c_compressionLevel, level);
	return 0;
}

static void helper_work(void *arg);

int ckpt_chunks_begin(struct ckpt_chunks *z, const char *image)
{
	__builtin_memset(z, 0, sizeof *z);
	z->own = z->store = -1;
	z->given = -1;
	if (!blocks)
		return 0;
	z->entries = map(MAX_CHUNKS * sizeof *z->entries);
	z->own = open_own(image);
	if (!z->entries || lane_alloc(&z->lane[0]) < 0 || z->own < 0) {
		int no_folder = z->entries && z->lane[0].chunk && z->own < 0;
		ckpt_chunks_release(z);
		return ckpt_fail(no_folder ? "cannot make the snapshot's blocks folder" : "cannot allocate memory to write the image");
	}
	/* a second CPU compresses every other chunk; without it, one does all.
	 * Only in a forked writer: in the program itself (an image written while
	 * it stands) a thread of ours would show to the program and its debugger */
	if (compress && ckpt_background_in_writer() && lane_alloc(&z->lane[1]) == 0 &&
	    ckpt_helper_start(&z->helper, helper_work, z) < 0)
		lane_free(&z->lane[1]);
	if (store_path[0])
		z->store = open_dir(store_path); /* without it, blocks are only this snapshot's */
	z->on = 1;
	return 0;
}

void ckpt_chunks_release(struct ckpt_chunks *z)
{
	ckpt_helper_stop(&z->helper);
	lane_free(&z->lane[0]);
	lane_free(&z->lane[1]);
	if (z->entries)
		SYS2(SYS_munmap, z->entries, MAX_CHUNKS * sizeof *z->entries);
	if (z->own >= 0)
		SYS1(SYS_close, z->own);
	if (z->store >= 0)
		SYS1(SYS_close, z->store);
	__builtin_memset(z, 0, sizeof *z);
	z->own = z->store = -1;
	z->given = -1;
}

/* The size of plain file `name` in folder dir, or -1. */
static long plain_size(int dir, const char *name)
{
	struct stat st;
	if (SYS4(SYS_newfstatat, dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return -1;
	return (long)st.st_size;
}

/* The chunk's block is already in this snapshot's folder, or in the store
 * (then linked here): e->stored and e->coding say which; 1, or 0 if neither. */
static int reuse(struct ckpt_chunks *z, const struct chunk_lane *l, struct ckpt_img_memchunk *e)
{
	for (uint32_t coding = CKPT_CHUNK_RAW; coding <= CKPT_CHUNK_ZSTD; coding++) {
		char name[CKPT_BLOCK_NAME_MAX];
		e->coding = coding;
		ckr_block_name(e, name);
		long size = plain_size(z->own, name);
		if (size < 0 && z->store >= 0 && plain_size(z->store, name) >= 0 &&
		    SYS6(SYS_linkat, z->store, name, z->own, name, 0, 0) == 0)
			size = plain_size(z->own, name);
		/* a block of another size is not this chunk's: written anew */
		if (coding == CKPT_CHUNK_RAW ? (uint64_t)size == l->fill : size > 0 && (uint64_t)size <= FRAME_MAX) {
			e->stored = (uint32_t)size;
			return 1;
		}
	}
	return 0;
}

/* The lane's chunk, compressed if that pays (else as it is). */
static const void *encode(struct chunk_lane *l, struct ckpt_img_memchunk *e)
{
	size_t got = 0;
	if (l->cctx && !l->skip) {
		got = ZSTD_compress2(l->cctx, l->frame, FRAME_MAX, l->chunk, l->fill);
		if (ZSTD_isError(got) || got > l->fill - l->fill / 8)
			got = 0;
		l->backoff = got ? 0 : l->backoff ? (l->backoff < 64 ? l->backoff * 2 : 64) : 1;
		l->skip = l->backoff;
	} else if (l->skip) {
		l->skip--;
	}
	e->coding = got ? CKPT_CHUNK_ZSTD : CKPT_CHUNK_RAW;
	e->stored = got ? (uint32_t)got : (uint32_t)l->fill;
	return got ? l->frame : l->chunk;
}

static int write_file(int fd, const char *p, uint64_t n)
{
	while (n) {
		long r = SYS3(SYS_write, fd, p, n);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? -ENOSPC : (int)r;
		p += r;
		n -= (uint64_t)r;
	}
	return 0;
}

/* A lane's failure, said where a message may be made: on the writer's own thread. */
static int lane_failed(struct chunk_lane *l)
{
	return ckpt_fail("cannot %s a block of the image: %s", l->failed, ckpt_errno_text(-l->err));
}

/* A new block: written under a temporary name, linked into the store, then
 * given its name here. 0, or -1 with the lane's err and failed set (this
 * may run on the helper thread, which makes no message). */
static int store_block(struct ckpt_chunks *z, struct chunk_lane *l, const struct ckpt_img_memchunk *e,
		       const void *data)
{
	char name[CKPT_BLOCK_NAME_MAX], tmp[64];
	ckr_block_name(e, name);
	ckpt_fmt(tmp, sizeof tmp, ".tmp-%d-%lu", ckpt_real_tid(), (unsigned long)l->index);
	l->failed = "write";
	long fd = SYS4(SYS_openat, z->own, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return (int)(l->err = fd);
	long rc = write_file((int)fd, data, e->stored);
	SYS1(SYS_close, fd);
	if (rc < 0) {
		SYS3(SYS_unlinkat, z->own, tmp, 0);
		return (int)(l->err = rc);
	}
	if (z->store >= 0) /* already there (another process's): this one is as good */
		SYS6(SYS_linkat, z->own, tmp, z->store, name, 0, 0);
	l->failed = "name";
	long r = SYS4(SYS_renameat, z->own, tmp, z->own, name);
	if (r < 0) {
		SYS3(SYS_unlinkat, z->own, tmp, 0);
		return (int)(l->err = r);
	}
	l->added += e->stored;
	return 0;
}

/* The lane's chunk as a block of this snapshot: linked if stored already. */
static void store_chunk(struct ckpt_chunks *z, struct chunk_lane *l)
{
	struct ckpt_img_memchunk *e = &z->entries[l->index];
	ckpt_xxh128(l->chunk, l->fill, &e->hash_hi, &e->hash_lo);
	if (!reuse(z, l, e))
		store_block(z, l, e, encode(l, e));
}

static void helper_work(void *arg)
{
	struct ckpt_chunks *z = arg;
	store_chunk(z, &z->lane[z->given]);
}

/* The chunk gathered so far: to the helper if it is free (and gathering goes
 * on in the lane it had), else stored here. */
static int flush(struct ckpt_chunks *z)
{
	struct chunk_lane *l = &z->lane[z->cur];
	if (!l->fill)
		return 0;
	if (z->n >= MAX_CHUNKS)
		return ckpt_fail("the image's memory contents are too large");
	l->index = z->n++;
	if (ckpt_helper_idle(&z->helper)) {
		if (z->given >= 0 && z->lane[z->given].err)
			return lane_failed(&z->lane[z->given]);
		z->given = z->cur;
		ckpt_helper_give(&z->helper);
		z->cur ^= 1;
		z->lane[z->cur].fill = 0;
		return 0;
	}
	store_chunk(z, l);
	l->fill = 0;
	return l->err ? lane_failed(l) : 0;
}

int ckpt_chunks_write(struct ckpt_chunks *z, const void *data, size_t n)
{
	const char *p = data;
	while (n) {
		struct chunk_lane *l = &z->lane[z->cur];
		uint64_t take = CKPT_DATA_CHUNK - l->fill < n ? CKPT_DATA_CHUNK - l->fill : n;
		__builtin_memcpy(l->chunk + l->fill, p, take);
		l->fill += take;
		z->size += take;
		p += take;
		n -= take;
		if (l->fill == CKPT_DATA_CHUNK && flush(z) < 0)
			return -1;
	}
	return 0;
}

/* The last chunk, and the helper's last one, stored; what both wrote counted. */
int ckpt_chunks_end(struct ckpt_chunks *z)
{
	int rc = flush(z);
	ckpt_helper_stop(&z->helper);
	for (int i = 0; i < 2; i++) {
		if (!rc && z->lane[i].err)
			rc = lane_failed(&z->lane[i]);
		z->added += z->lane[i].added;
	}
	return rc;
}

int ckpt_chunks_table(struct ckpt_writer *w, struct ckpt_chunks *z)
{
	struct ckpt_img_memchunks head = { z->size, z->n };
	if (ckpt_section_begin(w, CKPT_SEC_MEMCHUNKS, 0) < 0 || ckpt_section_write(w, &head, sizeof head) < 0 ||
	    ckpt_section_write(w, z->entries, z->n * sizeof *z->entries) < 0)
		return -1;
	return ckpt_section_end(w);
}

/* zstd's tracing hooks are weak references: defined here, hidden, so that
 * a program's own definitions are never called from the writer */
unsigned long long ZSTD_trace_compress_begin(const void *cctx)
{
	(void)cctx;
	return 0;
}

void ZSTD_trace_compress_end(unsigned long long ctx, const void *trace)
{
	(void)ctx, (void)trace;
}

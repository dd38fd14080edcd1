/*
 * The memory contents written in chunks (image version 3, the MEMCHUNKS
 * section of include/ckpt_image.h): the pages come in as one stream, are cut
 * in chunks of CKPT_DATA_CHUNK bytes, and each chunk is stored as one zstd
 * frame where that saves at least an eighth of it, or as it is (page-aligned,
 * so that it could be mapped). The forked writer compresses while the program
 * runs on, so compression costs the program no pause, only the writer's time.
 *
 * A chunk that does not pay makes the next ones go uncompressed without
 * trying, one, then two, up to 64, until one pays again: memory that does
 * not compress (encrypted, already compressed) costs little time.
 *
 * CKPT_COMPRESS: unset or "1": zstd level 1; "0" or "off": no chunks (the
 * MEMDATA section is the contents, as in version 2); a number from -7 to 9:
 * that zstd level (negative ones are faster and save less).
 *
 * Memory comes from mmap, not malloc: the forked writer is a raw clone of a
 * program that may be in the middle of malloc in another thread.
 */
#define ZSTD_STATIC_LINKING_ONLY
#include "chunk_writer.h"
#include "../include/ckpt_hash.h"
#include <zstd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define FRAME_MAX ZSTD_COMPRESSBOUND(CKPT_DATA_CHUNK)
/* entries for 64 TiB of contents; pages are touched only as they are used */
#define MAX_CHUNKS (1ul << 24)

static int level = 1, enabled = 1;

__attribute__((constructor(130))) static void read_setting(void)
{
	const char *s = ckpt_env("CKPT_COMPRESS");
	if (!s || !*s)
		return;
	if (!__builtin_strcmp(s, "off")) {
		enabled = 0;
		return;
	}
	const char *p = s;
	long v = ckpt_parse_long(&p);
	if (*p || v < -7 || v > 9)
		return; /* not a level: the default */
	enabled = v != 0;
	level = (int)v;
}

static void *map(uint64_t n)
{
	long m = SYS6(SYS_mmap, 0, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return m < 0 && m > -4096 ? 0 : (void *)m;
}

static uint64_t workspace_size(void) { return ZSTD_estimateCCtxSize(level); }

int ckpt_chunks_begin(struct ckpt_chunks *z)
{
	__builtin_memset(z, 0, sizeof *z);
	if (!enabled)
		return 0;
	z->chunk = map(CKPT_DATA_CHUNK);
	z->frame = map(FRAME_MAX);
	z->entries = map(MAX_CHUNKS * sizeof *z->entries);
	z->work = map(workspace_size());
	z->cctx = z->work ? ZSTD_initStaticCCtx(z->work, workspace_size()) : 0;
	if (!z->chunk || !z->frame || !z->entries || !z->cctx) {
		ckpt_chunks_release(z);
		return ckpt_fail("cannot allocate memory to compress the image");
	}
	ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, level);
	z->on = 1;
	return 0;
}

void ckpt_chunks_release(struct ckpt_chunks *z)
{
	if (z->chunk)
		SYS2(SYS_munmap, z->chunk, CKPT_DATA_CHUNK);
	if (z->frame)
		SYS2(SYS_munmap, z->frame, FRAME_MAX);
	if (z->entries)
		SYS2(SYS_munmap, z->entries, MAX_CHUNKS * sizeof *z->entries);
	if (z->work)
		SYS2(SYS_munmap, z->work, workspace_size());
	__builtin_memset(z, 0, sizeof *z);
}

/* The chunk gathered so far, stored: compressed if that pays, else as it is. */
static int flush(struct ckpt_writer *w, struct ckpt_chunks *z, uint64_t section_start)
{
	if (!z->fill)
		return 0;
	if (z->n >= MAX_CHUNKS)
		return ckpt_fail("the image's memory contents are too large");
	struct ckpt_img_memchunk *e = &z->entries[z->n++];
	size_t got = 0;
	if (!z->skip) {
		got = ZSTD_compress2(z->cctx, z->frame, FRAME_MAX, z->chunk, z->fill);
		if (ZSTD_isError(got) || got > z->fill - z->fill / 8)
			got = 0;
		z->backoff = got ? 0 : z->backoff ? (z->backoff < 64 ? z->backoff * 2 : 64) : 1;
		z->skip = z->backoff;
	} else {
		z->skip--;
	}
	if (got) {
		*e = (struct ckpt_img_memchunk){ ckpt_writer_offset(w) - section_start, (uint32_t)got, CKPT_CHUNK_ZSTD };
		z->stored_zstd++;
		z->fill = 0;
		return ckpt_writer_raw(w, z->frame, got);
	}
	if (ckpt_writer_align(w, CKPT_PAGE) < 0)
		return -1;
	*e = (struct ckpt_img_memchunk){ ckpt_writer_offset(w) - section_start, (uint32_t)z->fill, CKPT_CHUNK_RAW };
	uint64_t n = z->fill;
	z->fill = 0;
	return ckpt_writer_raw(w, z->chunk, n);
}

int ckpt_chunks_write(struct ckpt_writer *w, struct ckpt_chunks *z, uint64_t section_start, const void *data,
		      size_t n)
{
	const char *p = data;
	while (n) {
		uint64_t take = CKPT_DATA_CHUNK - z->fill < n ? CKPT_DATA_CHUNK - z->fill : n;
		__builtin_memcpy(z->chunk + z->fill, p, take);
		z->fill += take;
		z->size += take;
		p += take;
		n -= take;
		if (z->fill == CKPT_DATA_CHUNK && flush(w, z, section_start) < 0)
			return -1;
	}
	return 0;
}

int ckpt_chunks_end(struct ckpt_writer *w, struct ckpt_chunks *z, uint64_t section_start)
{
	return flush(w, z, section_start);
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

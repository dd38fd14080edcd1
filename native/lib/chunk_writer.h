/* The memory contents written in compressed chunks (chunk_writer.c), for the
 * image writer (writer.c). */
#ifndef CKPT_CHUNK_WRITER_H
#define CKPT_CHUNK_WRITER_H
#include "engine.h"
#include "../include/ckpt_image.h"

struct ckpt_chunks {
	int on;             /* chunks are being written (CKPT_COMPRESS allows) */
	char *chunk;        /* the chunk being gathered: fill bytes of it */
	uint64_t fill;
	char *frame;        /* a compressed chunk */
	void *work;         /* zstd's context lives here */
	struct ZSTD_CCtx_s *cctx;
	struct ckpt_img_memchunk *entries;
	uint64_t n, size;   /* chunks written, bytes of contents */
	uint64_t stored_zstd;
	uint32_t skip, backoff; /* chunks not to try after one that did not pay */
};

/* 0 (z->on says whether chunks are written) or -1 */
int ckpt_chunks_begin(struct ckpt_chunks *z);
int ckpt_chunks_write(struct ckpt_writer *w, struct ckpt_chunks *z, uint64_t section_start, const void *data,
		      size_t n);
/* the last chunk, shorter */
int ckpt_chunks_end(struct ckpt_writer *w, struct ckpt_chunks *z, uint64_t section_start);
/* the MEMCHUNKS section, after the MEMDATA section has ended */
int ckpt_chunks_table(struct ckpt_writer *w, struct ckpt_chunks *z);
void ckpt_chunks_release(struct ckpt_chunks *z);

/* the writer's own: bytes into the open section, not hashed (writer.c) */
int ckpt_writer_raw(struct ckpt_writer *w, const void *data, size_t n);
#endif

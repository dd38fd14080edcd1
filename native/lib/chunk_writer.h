/* The memory contents written as blocks of the snapshot (chunk_writer.c),
 * for the image writer (writer.c). */
#ifndef CKPT_CHUNK_WRITER_H
#define CKPT_CHUNK_WRITER_H
#include "engine.h"
#include "chunk_helper.h"
#include "../include/ckpt_image.h"

/* One thread's means to store a chunk: its buffers, its zstd context, and
 * what it did. */
struct chunk_lane {
	char *chunk;        /* the chunk being gathered or stored: fill bytes of it */
	uint64_t fill;
	uint64_t index;     /* its entry */
	char *frame;        /* the chunk compressed */
	void *work;         /* zstd's context lives here */
	struct ZSTD_CCtx_s *cctx; /* 0 with CKPT_COMPRESS=0 */
	uint32_t skip, backoff; /* chunks not to try after one that did not pay */
	uint64_t added;     /* bytes of the blocks written (not linked) */
	long err;           /* a block that could not be stored: -errno, and what was done */
	const char *failed;
};

struct ckpt_chunks {
	int on;             /* blocks are being written (CKPT_BLOCKS allows) */
	int own, store;     /* this snapshot's blocks folder; the computation's store, or -1 */
	/* the chunk being gathered is lane[cur]'s; the helper, when there is
	 * one, stores lane[given]'s meanwhile (chunk_helper.c) */
	struct chunk_lane lane[2];
	int cur, given;
	struct chunk_helper helper;
	struct ckpt_img_memchunk *entries;
	uint64_t n, size;   /* chunks, bytes of contents */
	uint64_t added;     /* bytes of the blocks this image wrote (not linked) */
};

/* whether images keep their pages in blocks (CKPT_BLOCKS) */
int ckpt_chunks_blocks(void);
/* the order's "blocks": the computation's store */
void ckpt_chunks_take_order(const char *order);
/* 0 (z->on says whether blocks are written) or -1; image: where the image
 * is being written (its folder gets the blocks) */
int ckpt_chunks_begin(struct ckpt_chunks *z, const char *image);
int ckpt_chunks_write(struct ckpt_chunks *z, const void *data, size_t n);
/* the last chunk, shorter */
int ckpt_chunks_end(struct ckpt_chunks *z);
/* the MEMCHUNKS section, after the MEMDATA section has ended */
int ckpt_chunks_table(struct ckpt_writer *w, struct ckpt_chunks *z);
void ckpt_chunks_release(struct ckpt_chunks *z);

/* an errno value as words (writer.c) */
const char *ckpt_errno_text(long e);
#endif

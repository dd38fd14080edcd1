/*
 * The memory contents of an image, chunk by chunk, for the reader
 * (ckpt_reader.h): which block of the snapshot's `blocks/` folder holds each
 * CKPT_DATA_CHUNK of the contents and how (the MEMCHUNKS section of
 * ckpt_image.h), and reading a chunk or any bytes of the contents back,
 * decompressing what zstd stored. Without a MEMCHUNKS section the MEMDATA
 * section is the contents as they are.
 *
 * Blocks are reached through the caller's io.block (the restorer and the
 * inspector open them beside the image, never through a symbolic link).
 * Decompression is zstd's own (libzstd), with a context in memory the caller
 * allocates: the restorer has no malloc. zstd checks every frame it reads
 * against the bounds it is given, and a chunk that does not come out exactly
 * its length is refused, so crafted bytes cannot write past a buffer; the
 * contents' checksum then finds a block that decodes to the wrong bytes.
 */
#ifndef CKPT_READER_CHUNKS_H
#define CKPT_READER_CHUNKS_H
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

/* the most a stored frame of one chunk may take: zstd's bound for a chunk */
#define CKR_FRAME_MAX ZSTD_COMPRESSBOUND(CKPT_DATA_CHUNK)

/* The length of chunk c of the contents. */
static inline uint64_t ckr_chunk_len(const struct ckpt_reader *r, uint64_t c)
{
	uint64_t start = c * CKPT_DATA_CHUNK;
	return r->data_size - start < CKPT_DATA_CHUNK ? r->data_size - start : CKPT_DATA_CHUNK;
}

/* The file name of a chunk's block in the blocks folder. */
static inline void ckr_block_name(const struct ckpt_img_memchunk *e, char out[CKPT_BLOCK_NAME_MAX])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++) {
		out[i] = hex[(e->hash_hi >> (60 - 4 * i)) & 15];
		out[16 + i] = hex[(e->hash_lo >> (60 - 4 * i)) & 15];
	}
	const char *ext = e->coding == CKPT_CHUNK_ZSTD ? ".zst" : ".raw";
	for (int i = 0; i < 5; i++)
		out[32 + i] = ext[i];
}

static inline int ckr_chunk_entries(struct ckpt_reader *r)
{
	for (uint64_t c = 0; c < r->nchunks; c++) {
		const struct ckpt_img_memchunk *e = &r->chunks[c];
		uint64_t len = ckr_chunk_len(r, c);
		if (e->coding == CKPT_CHUNK_RAW ? e->stored != len
						: e->coding != CKPT_CHUNK_ZSTD || !e->stored || e->stored > CKR_FRAME_MAX)
			return ckr_fail_num(r, "the memory chunks section is corrupt (chunk ", c, ")");
	}
	return 0;
}

/* The MEMCHUNKS section, if any, checked: every chunk of the contents has one
 * entry, and the MEMDATA section holds none of them. Sets data_size. */
static inline int ckr_memchunks(struct ckpt_reader *r)
{
	struct ckpt_img_section *s = ckr_find(r, CKPT_SEC_MEMCHUNKS);
	r->chunks = 0;
	r->nchunks = 0;
	r->data_size = r->memdata->size;
	r->chunk_cached = ~0ull;
	if (!s)
		return 0;
	if (r->hdr.version < 3)
		return ckr_fail_num(r, "the image is corrupt (memory chunks in a version ", r->hdr.version, " image)");
	const uint64_t head = sizeof(struct ckpt_img_memchunks), unit = sizeof(struct ckpt_img_memchunk);
	if (s->size < head || (s->size - head) % unit || r->memdata->size)
		return ckr_fail(r, "the memory chunks section is corrupt (a partial entry)", 0, 0);
	struct ckpt_img_memchunks *h = ckr_load(r, s);
	if (!h)
		return -1;
	uint64_t n = (s->size - head) / unit;
	/* n chunks hold at most n full ones, and more than n - 1 */
	if (h->nchunks != n || h->data_size > n * CKPT_DATA_CHUNK ||
	    (n && h->data_size <= (n - 1) * CKPT_DATA_CHUNK))
		return ckr_fail(r, "the memory chunks section is corrupt (its chunks do not cover the contents)", 0, 0);
	r->chunks = (struct ckpt_img_memchunk *)(h + 1);
	r->nchunks = n;
	r->data_size = h->data_size;
	return ckr_chunk_entries(r);
}

/* "block NAME of the memory contents (chunk C, the memory from 0xA) WHAT"
 * into r->msg; -1 */
static inline int ckr_block_fail(struct ckpt_reader *r, uint64_t c, const char *what)
{
	char name[CKPT_BLOCK_NAME_MAX], num[24];
	ckr_block_name(&r->chunks[c], name);
	/* where its first page goes: the memory it holds begins there */
	char at[24] = "?";
	uint64_t start = c * CKPT_DATA_CHUNK;
	for (uint64_t k = 0; r->runs && k < r->mm->nruns; k++) {
		const struct ckpt_img_run *run = &r->runs[k];
		if (run->data_offset != CKPT_RUN_INHERIT && run->data_offset <= start &&
		    start - run->data_offset < run->npages * CKPT_PAGE) {
			uint64_t a = run->addr + (start - run->data_offset);
			int d = 0;
			for (int sh = 60; sh >= 0; sh -= 4)
				if (d || (a >> sh) & 15 || !sh)
					at[d++] = "0123456789abcdef"[(a >> sh) & 15];
			at[d] = 0;
			break;
		}
	}
	const char *parts[] = { "block ", name, " of the memory contents (chunk ", ckpt_decimal(num, c), ", the memory from 0x", at,
				") ", what };
	uint32_t n = 0;
	for (uint32_t k = 0; k < sizeof parts / sizeof parts[0]; k++)
		for (const char *p = parts[k]; *p && n < sizeof r->msg - 1; p++)
			r->msg[n++] = *p;
	r->msg[n] = 0;
	return -1;
}

static inline const char *ckr_block_problem(int rc)
{
	return rc == -1 ? "is missing" : rc == -2 ? "is damaged: not a plain file of its size" : "cannot be read";
}

/* Every block there, a plain file of its size: checked before anything is
 * changed, so that a missing one refuses the restart and touches nothing. */
static inline int ckr_blocks_present(struct ckpt_reader *r)
{
	for (uint64_t c = 0; c < r->nchunks; c++) {
		char name[CKPT_BLOCK_NAME_MAX];
		ckr_block_name(&r->chunks[c], name);
		int rc = r->io.block ? r->io.block(r->io.ctx, name, 0, r->chunks[c].stored) : -3;
		if (rc)
			return ckr_block_fail(r, c, ckr_block_problem(rc));
	}
	return 0;
}

/* A decompression context in memory from the reader's allocator, or 0. */
static inline ZSTD_DCtx *ckr_dctx(struct ckpt_reader *r)
{
	size_t size = ZSTD_estimateDCtxSize();
	void *mem = r->io.alloc(r->io.ctx, size);
	return mem ? ZSTD_initStaticDCtx(mem, size) : 0;
}

/* Chunk c of the contents into dst (room for the chunk's length, and no
 * byte past it is written); frame: CKR_FRAME_MAX bytes of room for a stored
 * frame. 0, or -1 with r->msg. */
static inline int ckr_chunk_load(struct ckpt_reader *r, uint64_t c, void *dst, void *frame, ZSTD_DCtx *dctx)
{
	uint64_t len = ckr_chunk_len(r, c);
	if (!r->chunks)
		return r->io.read(r->io.ctx, dst, len, r->memdata->offset + c * CKPT_DATA_CHUNK)
			       ? ckr_fail(r, "the image is truncated (memory contents)", 0, 0)
			       : 0;
	const struct ckpt_img_memchunk *e = &r->chunks[c];
	char name[CKPT_BLOCK_NAME_MAX];
	ckr_block_name(e, name);
	int rc = r->io.block ? r->io.block(r->io.ctx, name, e->coding == CKPT_CHUNK_RAW ? dst : frame, e->stored) : -3;
	if (rc)
		return ckr_block_fail(r, c, ckr_block_problem(rc));
	if (e->coding == CKPT_CHUNK_RAW)
		return 0;
	size_t got = ZSTD_decompressDCtx(dctx, dst, len, frame, e->stored);
	if (ZSTD_isError(got) || got != len)
		return ckr_block_fail(r, c, "is corrupt: it does not decompress to its chunk");
	return 0;
}

/* The buffers ckr_chunk_load needs, from the reader's allocator; 0 or -1. */
static inline int ckr_chunk_buffers(struct ckpt_reader *r, char **dst, char **frame, ZSTD_DCtx **dctx)
{
	*dst = r->io.alloc(r->io.ctx, CKPT_DATA_CHUNK);
	*frame = r->chunks ? r->io.alloc(r->io.ctx, CKR_FRAME_MAX) : 0;
	*dctx = r->chunks ? ckr_dctx(r) : 0;
	if (!*dst || (r->chunks && (!*frame || !*dctx)))
		return ckr_fail(r, "out of memory to read the memory contents", 0, 0);
	return 0;
}

/* n bytes of the contents at off (the offsets of the runs), through a cache
 * of one chunk; 0, or -1 with r->msg. */
static inline int ckr_data_read(struct ckpt_reader *r, void *buf, uint64_t n, uint64_t off)
{
	if (!ckr_inside(off, n, 0, r->data_size))
		return ckr_fail(r, "a read outside the memory contents", 0, 0);
	if (!r->chunks)
		return r->io.read(r->io.ctx, buf, n, r->memdata->offset + off)
			       ? ckr_fail(r, "the image is truncated (memory contents)", 0, 0)
			       : 0;
	if (!r->chunk_buf && ckr_chunk_buffers(r, &r->chunk_buf, &r->chunk_frame, &r->chunk_dctx))
		return -1;
	for (uint64_t done = 0; done < n;) {
		uint64_t at = off + done, c = at / CKPT_DATA_CHUNK, in = at % CKPT_DATA_CHUNK;
		if (c != r->chunk_cached) {
			r->chunk_cached = ~0ull;
			if (ckr_chunk_load(r, c, r->chunk_buf, r->chunk_frame, r->chunk_dctx))
				return -1;
			r->chunk_cached = c;
		}
		uint64_t k = CKPT_DATA_CHUNK - in < n - done ? CKPT_DATA_CHUNK - in : n - done;
		__builtin_memcpy((char *)buf + done, r->chunk_buf + in, k);
		done += k;
	}
	return 0;
}

/* Reads the whole contents back, chunk by chunk, and compares the checksum. */
static inline int ckr_verify_memdata(struct ckpt_reader *r)
{
	char *dst, *frame;
	ZSTD_DCtx *dctx;
	if (ckr_chunk_buffers(r, &dst, &frame, &dctx))
		return -1;
	struct ckpt_chunked_hash h;
	ckpt_chunked_init(&h);
	for (uint64_t c = 0; c * CKPT_DATA_CHUNK < r->data_size; c++) {
		if (ckr_chunk_load(r, c, dst, frame, dctx))
			return -1;
		ckpt_chunked_update(&h, dst, ckr_chunk_len(r, c));
	}
	if (CKR_SUM_BAD(ckpt_chunked_final(&h), r->memdata->checksum))
		return ckr_fail(r, "the memory contents are corrupt (checksum mismatch)", 0, 0);
	return 0;
}
#endif

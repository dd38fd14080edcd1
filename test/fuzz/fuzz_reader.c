/*
 * libFuzzer target over the image reader (native/include/ckpt_reader.h) and
 * the inspector's JSON (native/inspect/json.c, files_diff.c), built with
 * -DCKPT_READER_NO_CHECKSUM so that mutated bytes reach every check past the
 * checksums. An image the reader accepts is printed in full (to /dev/null)
 * and its memory contents read back (blocks of pages from the input's own
 * bytes), its file records compared with themselves and with none; one it
 * refuses must say why.
 */
#include "../../native/include/ckpt_reader.h"
#include "../../native/inspect/files_diff.h"
#include "../../native/inspect/json.h"
#include <stdlib.h>
#include <string.h>

struct input {
	const uint8_t *data;
	size_t size;
	void *allocs[64];
	int nallocs;
};

static int mem_read(void *ctx, void *buf, uint64_t n, uint64_t off)
{
	struct input *in = ctx;
	if (off > in->size || n > in->size - off)
		return -1;
	memcpy(buf, in->data + off, n);
	return 0;
}

static void *mem_alloc(void *ctx, uint64_t n)
{
	struct input *in = ctx;
	if (in->nallocs == (int)(sizeof in->allocs / sizeof in->allocs[0]))
		abort(); /* the reader allocates a bounded number of buffers */
	return in->allocs[in->nallocs++] = malloc(n ? n : 1);
}

/* Every block of pages is the input's last n bytes: mutated bytes reach
 * zstd's decoder and the checks of a chunk's length. */
static int mem_block(void *ctx, const char *name, void *buf, uint64_t n)
{
	struct input *in = ctx;
	(void)name;
	if (n > in->size)
		return -2;
	if (buf)
		memcpy(buf, in->data + in->size - n, n);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	if (!null && !(null = fopen("/dev/null", "w")))
		abort();
	struct input in = { .data = data, .size = size };
	struct ckpt_reader r;
	memset(&r, 0, sizeof r);
	r.io = (struct ckpt_reader_io){ &in, mem_read, mem_alloc, mem_block };
	if (ckr_read(&r, size) == 0) {
		json_image(null, &r);
		struct ckpt_files f, none = { 0 };
		if (ckpt_files_read(&r, &f) == 0) {
			diff_files(null, &f, &f);
			diff_files(null, &f, &none);
			diff_files(null, &none, &f);
		}
		/* the checksum is bypassed: only a short read, or a block that does
		 * not decode to its chunk, can fail, and it says why */
		if (ckr_verify_memdata(&r) && (!r.chunks || !r.msg[0]))
			abort();
	} else if (!r.msg[0] || strlen(r.msg) >= sizeof r.msg) {
		abort(); /* a refusal names its reason */
	}
	for (int i = 0; i < in.nallocs; i++)
		free(in.allocs[i]);
	return 0;
}

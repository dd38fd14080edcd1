/* ckpt-inspect --diff A B: two images of one process compared page by page. */
#ifndef CKPT_INSPECT_DIFF_H
#define CKPT_INSPECT_DIFF_H
#include <stdint.h>

/* The reader's file callbacks (inspect.c), ctx pointing at an fd. */
int file_read(void *ctx, void *buf, uint64_t n, uint64_t off);
void *file_alloc(void *ctx, uint64_t n);

/* Prints the JSON of PROTOCOL.md; 0, or 2 after one line naming what is wrong. */
int diff_main(const char *a, const char *b);
#endif

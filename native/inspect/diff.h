/* ckpt-inspect --diff A B: two images of one process compared page by page. */
#ifndef CKPT_INSPECT_DIFF_H
#define CKPT_INSPECT_DIFF_H
#include "../include/ckpt_reader.h"
#include <stdint.h>

/* The reader's file callbacks (inspect.c), ctx pointing at an fd. */
int file_read(void *ctx, void *buf, uint64_t n, uint64_t off);
void *file_alloc(void *ctx, uint64_t n);

/* One line "ckpt-inspect: PATH: MSG" on stderr, and exit status 2. */
__attribute__((noreturn)) void diff_fail(const char *path, const char *msg);
/* files_diff.c: the ",\"files\":{...}" member, the FILES sections of two images
 * compared (each checked first; a damaged one is named by diff_fail). */
void diff_files(struct ckpt_reader *ra, const char *pa, struct ckpt_reader *rb, const char *pb);

/* Prints the JSON of PROTOCOL.md; 0, or 2 after one line naming what is wrong. */
int diff_main(const char *a, const char *b);
#endif

/* ckpt-inspect --diff A B: two images of one process compared page by page. */
#ifndef CKPT_INSPECT_DIFF_H
#define CKPT_INSPECT_DIFF_H
#include <stdint.h>

/* An image open for the reader: the file, and its snapshot's blocks folder
 * (-1 if it has none). */
struct image_file {
	int fd;
	int blocks_fd;
};

/* The reader's file callbacks (inspect.c), ctx pointing at a struct image_file. */
int file_read(void *ctx, void *buf, uint64_t n, uint64_t off);
void *file_alloc(void *ctx, uint64_t n);
int file_block(void *ctx, const char *name, void *buf, uint64_t n);
/* Opens the blocks folder beside the image at path, if there is one. */
void image_file_blocks(struct image_file *f, const char *path);

/* Prints the JSON of PROTOCOL.md; 0, or 2 after one line naming what is wrong. */
int diff_main(const char *a, const char *b);
#endif

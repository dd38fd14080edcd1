/* An image and the parents it inherits pages from: where each page's bytes
 * are, for --diff and for --core of an increment. */
#ifndef CKPT_INSPECT_CHAIN_H
#define CKPT_INSPECT_CHAIN_H
#include "json.h"
#include "diff.h"

/* An image and its parents, nearest first. */
struct chain {
	int n;
	struct image_file file[CKPT_MAX_CHAIN + 1];
	char *path[CKPT_MAX_CHAIN + 1]; /* each level's image */
	struct ckpt_reader r[CKPT_MAX_CHAIN + 1];
	/* per level: regions and their runs in ascending order, searched by halves */
	int sorted[CKPT_MAX_CHAIN + 1];
	/* chain_open's problem, and the file it is in */
	const char *why;
	char what[4096];
};

/* Where a page's bytes are: image level and offset in its memory contents, or none (a hole:
 * zeros, or a private file mapping's bytes). */
struct page_src {
	int level;
	uint64_t off;
};
#define HOLE (~0ull)

/* Loads the image at path and every parent up its chain, each checked to be
 * the one named; on a problem prints one line naming the file and exits 2. */
void chain_load(struct chain *c, const char *path);
/* The same, returning -1 with the problem in c->why and the file in c->what. */
int chain_open(struct chain *c, const char *path);
/* Every block of every level there (a plain file of its size); else prints
 * one line naming the image, the block and the memory it holds, and exits 2. */
void chain_check_blocks(struct chain *c);
struct page_src chain_page_src(const struct chain *c, uint64_t addr);
/* The page's bytes (zeros for a hole); 0, or -1 if the file is short. */
int chain_read_src(const struct chain *c, struct page_src s, char *buf);
/* [addr, addr + n) as the chain holds it; -1 if a page of it is held by none. */
int chain_read(const struct chain *c, uint64_t addr, void *buf, size_t n);
#endif

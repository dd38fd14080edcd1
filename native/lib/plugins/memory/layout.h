/*
 * The memory plugin's plan of a checkpoint, shared by its parts:
 *   memory.c  the regions, read while the program is stopped;
 *   pages.c   which pages of each region are saved, and writing them (in a
 *             forked writer, or in the process itself);
 *   advice.c  the regions the program asked a fork not to copy as they are.
 * The plan lives in working memory that a forked writer inherits as it was.
 */
#ifndef CKPT_MEMORY_LAYOUT_H
#define CKPT_MEMORY_LAYOUT_H
#include "../../engine.h"

#define SCRATCH_SIZE (512ul << 20)
#define MAPS_MAX (16ul << 20)
#define PAGEMAP_CHUNK (1ul << 20) /* entries per pagemap read */
#define MAX_REGIONS 65536

/* How the writer gets a region's pages. */
struct region_plan {
	uint32_t whole; /* every page, present or not (see memory.c) */
	uint32_t own;   /* a mapping of the engine's own library */
	uint32_t aside; /* copied while the program was stopped */
	uint64_t aside_off, aside_first, aside_nruns;
	/* an increment's region: its pages by the segments segs[seg_first ..
	 * seg_first + nsegs), which cover it in address order (incr.c) */
	uint32_t incr;
	uint64_t seg_first, nsegs;
	/* zeros written before the region's pages, so that they start a chunk (pages.c) */
	uint64_t pad;
};

/* What the scans said of a part of a region (the CKPT_DIRTY_* kinds), or
 * SEG_INHERIT: unchanged since the parent image, which has it. */
#define SEG_INHERIT 8
struct segment {
	uint64_t start, end;
	uint64_t kind;
};
#define SEGS_MAX (1ul << 20)

struct hash_table;

struct layout {
	struct ckpt_img_proc proc;
	uint64_t nregions, nruns, strings;
	struct ckpt_img_region *regions;
	struct region_plan *plan;
	struct ckpt_img_run *runs, *runs_end;
	struct ckpt_img_run *aside_runs; /* set-aside regions' runs, planned in the pause */
	uint64_t naside_runs;
	char *aside;
	uint64_t aside_size;
	char *strtab;
	char *maps; /* MAPS_MAX bytes of text */
	uint64_t *pagemap;
	/* an increment: its parent's record and regions (incr.c) */
	struct segment *segs;
	uint64_t nsegs;
	struct ckpt_img_region *par_regions;
	uint64_t npar_regions;
	struct ckpt_img_parent parent;
	/* mode "hash": the table this snapshot's writer fills, its parent's to
	 * compare with, and where the comparison has come to (page_hashes.c) */
	struct hash_table *hash_cur, *hash_parent;
	uint64_t hash_pos;
};

/* the engine's working memory (not saved) */
extern char *ckpt_mem_scratch;
extern uint64_t ckpt_mem_scratch_end;

/* pages.c */
int ckpt_mem_set_aside(struct layout *l);
/* incr.c: in the pause, after the set-aside copies: the scans, the arm, and
 * the parent section when the image is an increment */
int ckpt_mem_plan_increment(struct ckpt_writer *w, struct layout *l);
void ckpt_mem_forget_parent(void);
/* advice.c: does [start, end) meet a range advised MADV_DONTFORK or MADV_WIPEONFORK? */
int ckpt_mem_advised_not_copied(uint64_t start, uint64_t end);
#endif

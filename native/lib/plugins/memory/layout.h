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
	/* copied while the program was stopped: ASIDE_WHOLE, the region as a
	 * whole image saves it; ASIDE_WRITTEN, an increment's saved pages
	 * (written_copy.c). The copy of its saved pages starts at `copy`. */
	uint32_t aside;
	uint64_t aside_off, aside_first, aside_nruns;
	const char *copy;
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

#define ASIDE_WHOLE 1
#define ASIDE_WRITTEN 2

struct hash_table;

/* Runs being appended to: v[0..n), room until `end`; `compare`: in mode
 * "hash", pages equal to the parent's become inherited runs. */
struct runlist {
	struct ckpt_img_run *v;
	uint64_t n;
	struct ckpt_img_run *end;
	int compare;
};

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
	char *written; /* the ASIDE_WRITTEN regions' copies (written_copy.c's) */
	uint64_t written_size;
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
/* An increment's region i: its runs by its segments, appended to out; sets
 * r's first_run, nruns and saved_bytes. pm_fd: a page map of the memory. */
int ckpt_mem_plan_segments(struct layout *l, struct ckpt_img_region *r, const struct region_plan *rp, int pm_fd,
			   struct runlist *out, uint64_t *data_off);
/* Copies the pages of runs (inherited ones excepted) to dst, one after another. */
int ckpt_mem_copy_runs(const struct ckpt_img_region *r, const struct ckpt_img_run *run, uint64_t nruns, int mem_fd,
		       char *dst);
/* written_copy.c: in the pause, after the increment's plan, when a forked
 * writer is to write the image (`forks`): copies the written pages of the
 * regions a fork would copy at a cost out of proportion to them */
int ckpt_mem_copy_written(struct layout *l, int forks);
/* the answer's "copied": the bytes of pages this snapshot's pause copied */
void ckpt_mem_copied_answer(struct ckpt_json *j);
/* after a restart (unmap_it 0: nothing is mapped) or in a forked child (1) */
void ckpt_mem_written_forget(int unmap_it);
/* incr.c: in the pause, after the set-aside copies: the scans, the arm, and
 * the parent section when the image is an increment */
int ckpt_mem_plan_increment(struct ckpt_writer *w, struct layout *l);
void ckpt_mem_forget_parent(void);
/* whether a forked writer is to write this order's image (not one that kills) */
int ckpt_mem_order_forks(void);
/* advice.c: does [start, end) meet a range advised MADV_DONTFORK or MADV_WIPEONFORK? */
int ckpt_mem_advised_not_copied(uint64_t start, uint64_t end);
#endif

/*
 * Mode "hash": the pages that changed since the parent snapshot, found by
 * comparing XXH3-128 hashes of their contents (page_hashes.c).
 */
#ifndef CKPT_PAGE_HASHES_H
#define CKPT_PAGE_HASHES_H
#include "layout.h"

/* In the pause, mode "hash" only, after the regions are known: maps the table
 * this snapshot (`as`) fills and finds its parent's (`parent`, the order's)
 * among the tables kept. Returns 1 when the writer will compare pages with
 * the parent's, so that the image names its parent. */
int ckpt_hashes_begin(struct layout *l, const char *as, const char *parent);

/* Whether the writer hashes region r's pages (not those of a region saved
 * whole, set aside, or not readable). */
int ckpt_hashes_applies(const struct layout *l, const struct ckpt_img_region *r, int whole);

/* In the writer, for each page it would save, in ascending address order:
 * records its hash; returns 1 when the parent holds the same page at the same
 * address (the page is then inherited, not written). */
int ckpt_hashes_page(struct layout *l, uint64_t addr);

/* In the writer, once every page is planned: the table may be trusted. */
void ckpt_hashes_complete(struct layout *l);

/* After a restart (the tables were not saved: stale pointers) or in a forked
 * child (the parent's tables: unmapped, not the child's to fill). */
void ckpt_hashes_forget(int unmap_them);
#endif

/*
 * Dirty-page tracking: which pages of the process changed since the last
 * snapshot, without privilege and without soft-dirty bits.
 *
 * How: one userfaultfd of our own (UFFD_USER_MODE_ONLY, features WP_ASYNC and
 * WP_UNPOPULATED) on which every private writable anonymous region is
 * registered for write-protection. The kernel resolves a write to a protected page by itself
 * (the program never waits) and the page no longer carries the protection
 * bit; the PAGEMAP_SCAN ioctl on /proc/self/pagemap (Linux 6.7) lists those
 * pages and protects them again in the same call.
 *
 * Mode "uffd-wp" when this works; "hash" otherwise (the kernel lacks it, or the
 * program uses userfaultfd itself: the engine steps aside, because a range
 * can be registered with one userfaultfd only), and then the caller finds the
 * changed pages by comparing their contents. ckpt_dirty_why() says why.
 *
 * Every call below runs with the program stopped (the checkpoint's signal
 * handler): raw system calls only, no malloc, no locks.
 *
 * One snapshot, during the pause, in this order:
 *   1. ckpt_dirty_scan() of each region: what changed since the previous
 *      snapshot's scans (everything "untracked" at the first snapshot); it
 *      protects the written pages again at once;
 *   2. ckpt_dirty_arm(): registers and protects what is not tracked yet (all
 *      of it the first time), i.e. what the scans reported untracked;
 *   3. the capture (the copy, or the fork of a writer).
 * A page written after the arm is reported by the next scan, so nothing
 * written between the arm and the capture is missed. A page written after
 * its scan and before the capture is in the capture but was called unchanged
 * by the scan (it is reported again next time): scan as late as possible and
 * let the engine write in between only memory whose content does not matter
 * after a restart. A region, or part of one, that the previous snapshot did
 * not have (mapped by the engine itself after the scans, for instance) must
 * be saved whole whatever the scan says.
 * /proc/self/pagemap shows a tracked page that was never touched as swapped,
 * with the uffd-wp bit (bits 62 and 57): it holds the kernel's protection
 * marker, nothing else, and reads as zeros (unprivileged readers cannot tell
 * it from a protected page that is really swapped). So a tracked page that
 * no scan reports is unchanged, whatever the page map says of it, and a page
 * of an untracked range that the page map calls swapped after the arm is read
 * (a marker reads as zeros, which are not saved).
 *   - ckpt_dirty_forget() when the snapshot that consumed the scans failed:
 *     the pages reported were protected again, so the next snapshot could no
 *     longer find them; after forget, every scan reports "untracked" until
 *     the next arm protects everything afresh (the first such scan takes the
 *     protection away, so that the page map is plain again).
 *   - A forked child is untracked (the kernel does not pass the registration
 *     on to it) until its own first arm; so is a restarted process.
 */
#ifndef CKPT_DIRTY_H
#define CKPT_DIRTY_H
#include <stdint.h>

/* What a reported run of pages is; runs never overlap. */
enum {
	/* written since the last arm or scan (by the program or by the kernel on
	 * its behalf, e.g. read(2) into it) */
	CKPT_DIRTY_WRITTEN = 1,
	/* dropped since (MADV_DONTNEED, MADV_FREE discarded, a stack that grew
	 * below what was armed): neither present nor swapped now, so it reads as
	 * zeros (anonymous) */
	CKPT_DIRTY_DROPPED = 2,
	/* not tracked: mapped, moved (mremap) or grown (brk) after the arm, in a
	 * forked child or restarted process before its arm, or after forget: every
	 * page must be read afresh */
	CKPT_DIRTY_UNTRACKED = 4,
};

/* Receives one run [start, end) of pages of one kind; returning non-zero
 * stops the scan (which then returns -1). */
typedef int (*ckpt_dirty_fn)(void *ctx, uint64_t start, uint64_t end, unsigned kind);

/* Step 2: registers and protects every private writable anonymous region (heap,
 * stack, anonymous and named anonymous mappings) not tracked yet. Private
 * file mappings stay untracked (a page dropped with MADV_DONTNEED goes back
 * to the file's bytes while keeping its protection: it would look
 * unchanged), as do regions the kernel refuses and regions larger than
 * CKPT_DIRTY_REGION_MAX.
 * Returns the number of bytes newly protected, or -1 in mode "hash". */
int64_t ckpt_dirty_arm(void);

/* Reports, in ascending address order, the runs of [start, end) (page
 * aligned) that changed since the last arm or scan: written, dropped or
 * untracked. Pages not reported are unchanged in content and in presence.
 * Protects the written and dropped pages again. In mode "hash", or before the
 * first arm, the whole range is reported untracked. Returns 0, or -1 if fn
 * stopped the scan or the kernel refused it part-way: then the whole range
 * must be treated as changed. */
int ckpt_dirty_scan(uint64_t start, uint64_t end, ckpt_dirty_fn fn, void *ctx);

/* The snapshot that used the last scans was not completed: nothing reported
 * so far may be trusted as a base. Until the next arm, scans report untracked. */
void ckpt_dirty_forget(void);

/* "uffd-wp" or "hash" */
const char *ckpt_dirty_mode(void);
/* why the mode is "hash" (a sentence), or 0 in mode "uffd-wp" */
const char *ckpt_dirty_why(void);

/* The program is about to use userfaultfd itself (the syscall, or
 * /dev/userfaultfd): unregister everything and fall back to "hash" for the
 * rest of this process's life. Called from the program's own threads by the
 * wrappers (ids plugin). */
void ckpt_dirty_step_aside(const char *why);

/* The open() wrappers call this with each path opened: opening
 * /dev/userfaultfd also means the program uses userfaultfd (dirty_plugin.c). */
void ckpt_dirty_opening(const char *path);

/* Whether fd is one of the tracking's own (its userfaultfd, or the page map
 * kept open from a snapshot's first scan to its arm): the files plugin skips
 * them. */
int ckpt_dirty_fd_is_ours(int fd);

/* After fork() in the child, and after a restart: this process has no
 * registration of its own; the inherited fd, if any, is closed. */
void ckpt_dirty_reset(void);

/* Regions larger than this are left untracked: write-protecting unpopulated
 * memory builds page tables for all of it (2 MiB of them per GiB). */
#define CKPT_DIRTY_REGION_MAX (16ull << 30)
#endif

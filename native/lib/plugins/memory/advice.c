/*
 * Regions a fork does not copy as they are: MADV_DONTFORK (absent from the
 * child) and MADV_WIPEONFORK (zero there). A forked writer cannot save them,
 * so they are copied while the program is stopped. The kernel says which
 * regions they are only in /proc/self/smaps, whose reading walks every page
 * table (tens of milliseconds at a gigabyte): the library notes the program's
 * madvise() calls instead, and the writer checks in its own smaps that none
 * escaped (a raw system call), refusing the snapshot if one did.
 */
#include "layout.h"
#include <sys/mman.h>
#include <sys/syscall.h>
#include <errno.h>

#define MAX_ADVISED 256

static struct { uint64_t start, end; } advised[MAX_ADVISED];
static int32_t nadvised;
static int overflowed; /* more ranges than the table holds: treat all as advised */

int ckpt_mem_advised_not_copied(uint64_t start, uint64_t end)
{
	if (__atomic_load_n(&overflowed, __ATOMIC_ACQUIRE))
		return 1;
	int n = __atomic_load_n(&nadvised, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n && i < MAX_ADVISED; i++)
		if (advised[i].start < end && start < advised[i].end)
			return 1;
	return 0;
}

/* Threads may call madvise together: each takes a slot of its own. An entry
 * whose thread was stopped before filling it in is missed here and found by
 * the writer's check. */
static void note(uint64_t start, uint64_t end)
{
	int i = __atomic_fetch_add(&nadvised, 1, __ATOMIC_ACQ_REL);
	if (i >= MAX_ADVISED) {
		__atomic_store_n(&overflowed, 1, __ATOMIC_RELEASE);
		return;
	}
	advised[i].start = start;
	__atomic_store_n(&advised[i].end, end, __ATOMIC_RELEASE);
}

/* A range kept in the table after MADV_DOFORK or MADV_KEEPONFORK only costs
 * an unneeded copy; a range missing from it would cost the snapshot. */
CKPT_EXPORT int madvise(void *addr, size_t len, int advice)
{
	long r = SYS3(SYS_madvise, addr, len, advice);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	if (advice == MADV_DONTFORK || advice == MADV_WIPEONFORK)
		note((uint64_t)addr, (uint64_t)addr + len);
	return 0;
}

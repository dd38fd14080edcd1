/* What /proc/self/pagemap shows of a tracked region: a page never touched
 * carries a protection marker that the page map shows as swapped, with the
 * uffd-wp bit (bits 62 and 57), although it holds nothing and reads as zeros.
 * A reader of the page map must take the page list of an untracked range
 * before the arm. After forget, the next scan takes the protection away and
 * the page map is plain again. */
#include "dirty_test.h"
#include <fcntl.h>

#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define PM_UFFD_WP (1ull << 57)

static uint64_t entry(int pm, void *page)
{
	uint64_t e = 0;
	CHECK(pread(pm, &e, sizeof e, (off_t)((uint64_t)page / PG * 8)) == sizeof e, "pread of the page map");
	return e;
}

static int nothing(void *ctx, uint64_t s, uint64_t e, unsigned kind)
{
	(void)ctx, (void)s, (void)e, (void)kind;
	return 0;
}

int main(void)
{
	size_t len = 8 * PG;
	unsigned char *m = map_anon(len);
	m[0] = 1;
	int pm = open("/proc/self/pagemap", O_RDONLY);
	CHECK(pm >= 0, "open of the page map");
	CHECK(!(entry(pm, m + PG) & (PM_PRESENT | PM_SWAPPED)), "an untouched page before the arm");
	arm();
	uint64_t e = entry(pm, m + PG);
	CHECK((e & (PM_PRESENT | PM_SWAPPED | PM_UFFD_WP)) == (PM_SWAPPED | PM_UFFD_WP),
	      "an untouched page after the arm: %016lx", (unsigned long)e);
	CHECK((entry(pm, m) & (PM_PRESENT | PM_UFFD_WP)) == (PM_PRESENT | PM_UFFD_WP), "a touched page after the arm");
	struct pages p = scan(m, len);
	CHECK(p.runs == 0, "%ld runs: a marker is not a change", p.runs);
	CHECK(m[PG] == 0 && m[2 * PG] == 0, "an untouched page reads as zeros");
	p = scan(m, len);
	CHECK(p.runs == 0, "%ld runs after reading untouched pages", p.runs);
	ckpt_dirty_forget();
	CHECK(ckpt_dirty_scan((uint64_t)m, (uint64_t)m + len, nothing, 0) == 0, "scan after forget");
	CHECK(!(entry(pm, m + 3 * PG) & (PM_PRESENT | PM_SWAPPED | PM_UFFD_WP)), "an untouched page after forget");
	CHECK(!(entry(pm, m) & PM_UFFD_WP), "a touched page after forget");
	ok("page map markers");
	return 0;
}

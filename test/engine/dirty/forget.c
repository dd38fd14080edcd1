/* ckpt_dirty_forget(): the snapshot that used the last scans failed. Until
 * the next arm every scan reports untracked; that arm protects everything
 * afresh, also a region made read-only meanwhile (which an arm does not
 * register), so that no page reported before the failure is lost. */
#include "dirty_test.h"

int main(void)
{
	size_t len = 32 * PG;
	unsigned char *m = map_anon(len), *ro = map_anon(len);
	memset(m, 1, len);
	memset(ro, 1, len);
	arm();
	m[4 * PG] = 2;
	ro[6 * PG] = 2;
	struct pages p = scan(m, len);
	CHECK(p.runs == 1 && p.kind[4] == CKPT_DIRTY_WRITTEN, "written before the failed snapshot");
	p = scan(ro, len);
	CHECK(p.runs == 1 && p.kind[6] == CKPT_DIRTY_WRITTEN, "written before the failed snapshot (second region)");
	ckpt_dirty_forget(); /* pages 4 and 6 were never saved */
	mprotect(ro, len, PROT_READ);
	p = scan(m, len);
	CHECK(count(&p, CKPT_DIRTY_UNTRACKED) == 32, "after forget: %lu pages untracked",
	      (unsigned long)count(&p, CKPT_DIRTY_UNTRACKED));
	p = scan(ro, len);
	CHECK(count(&p, CKPT_DIRTY_UNTRACKED) == 32, "after forget, a region made read-only: %lu pages untracked",
	      (unsigned long)count(&p, CKPT_DIRTY_UNTRACKED));
	arm();
	p = scan(ro, len);
	CHECK(count(&p, CKPT_DIRTY_UNTRACKED) == 32, "a read-only region after the fresh arm is tracked");
	p = scan(m, len);
	CHECK(p.runs == 0, "after the fresh arm: %ld runs", p.runs);
	m[9 * PG] = 3;
	p = scan(m, len);
	CHECK(p.runs == 1 && p.kind[9] == CKPT_DIRTY_WRITTEN, "a write after the fresh arm");
	ok("forget");
	return 0;
}

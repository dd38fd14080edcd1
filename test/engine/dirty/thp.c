/* Transparent huge pages (MADV_HUGEPAGE): every page written, or dropped,
 * after the arm is reported (a whole 2 MiB page may be reported for one
 * write; never less than what was written). */
#include "dirty_test.h"

static unsigned long huge_kib(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	unsigned long kib = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "AnonHugePages: %lu kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

int main(void)
{
	size_t len = 64ul << 20, huge = 2ul << 20;
	unsigned char *raw = map_anon(len + huge);
	unsigned char *m = (unsigned char *)(((uintptr_t)raw + huge - 1) & ~(huge - 1));
	CHECK(madvise(m, len, MADV_HUGEPAGE) == 0, "MADV_HUGEPAGE: %m");
	memset(m, 1, len);
	printf("huge pages: %lu KiB of the region in huge pages before the arm\n", huge_kib());
	arm();
	struct pages p = scan(m, len);
	CHECK(p.runs == 0, "%ld runs right after the arm", p.runs);
	size_t written[40];
	srand(7);
	for (int i = 0; i < 40; i++) {
		written[i] = (size_t)rand() % (len / PG);
		m[written[i] * PG + 17] = 2;
	}
	madvise(m + 5 * huge, PG, MADV_DONTNEED); /* part of a huge page dropped */
	p = scan(m, len);
	for (int i = 0; i < 40; i++)
		CHECK(p.kind[written[i]] == CKPT_DIRTY_WRITTEN, "huge-page memory: written page %zu reported %d", written[i],
		      p.kind[written[i]]);
	CHECK(p.kind[5 * huge / PG] == CKPT_DIRTY_DROPPED || p.kind[5 * huge / PG] == CKPT_DIRTY_WRITTEN,
	      "a dropped page inside a huge page: kind %d", p.kind[5 * huge / PG]);
	printf("huge pages: 40 writes, %lu pages reported written\n", (unsigned long)count(&p, CKPT_DIRTY_WRITTEN));
	p = scan(m, len);
	CHECK(p.runs == 0, "%ld runs on a scan with nothing written", p.runs);
	ok("huge pages");
	return 0;
}

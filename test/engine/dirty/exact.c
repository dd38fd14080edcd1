/* Pages written after the arm are reported exactly: k random pages of
 * 256 MiB, then a second round after the scan re-protected them. */
#include "dirty_test.h"

int main(void)
{
	size_t len = 256ul << 20, npages = len / PG;
	unsigned char *m = map_anon(len);
	memset(m, 1, len);
	arm();
	struct pages p = scan(m, len);
	CHECK(p.runs == 0, "%ld runs right after the arm", p.runs);
	srand(42);
	/* the last round writes more runs than one kernel call lists */
	static const int writes[] = { 1000, 1, 2622, 20000 };
	for (int round = 0; round < 4; round++) {
		unsigned char *want = calloc(npages, 1);
		size_t k = 0;
		for (int i = 0; i < writes[round]; i++) {
			size_t pg = (size_t)rand() % npages;
			m[pg * PG + (size_t)rand() % PG] = (unsigned char)round;
			k += !want[pg];
			want[pg] = 1;
		}
		p = scan(m, len);
		for (size_t i = 0; i < npages; i++)
			CHECK(p.kind[i] == (want[i] ? CKPT_DIRTY_WRITTEN : 0), "round %d page %zu: kind %d, written %d",
			      round, i, p.kind[i], want[i]);
		CHECK(count(&p, CKPT_DIRTY_WRITTEN) == k, "round %d", round);
		printf("round %d: %zu pages written, %ld runs reported\n", round, k, p.runs);
	}
	p = scan(m, len);
	CHECK(p.runs == 0, "%ld runs after a scan with nothing written", p.runs);
	ok("exact");
	return 0;
}

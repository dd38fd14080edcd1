/* Pages written after the arm are reported exactly: k random pages of
 * 256 MiB, then a second round after the scan re-protected them. */
#include "dirty_test.h"

/* The kernel writing into tracked pages on the program's behalf (read(2)):
 * the write succeeds although the userfaultfd serves user-mode faults only,
 * and the page is reported. Also into a page dropped since the arm and into
 * one never touched (both hold only a protection marker). */
static void kernel_writes(void)
{
	size_t len = 16 * PG;
	unsigned char *m = map_anon(len);
	memset(m, 1, 8 * PG); /* pages 8-15 never touched */
	arm();
	madvise(m + 3 * PG, PG, MADV_DONTNEED);
	struct pages p = scan(m, len); /* page 3 dropped: protected again by this scan */
	CHECK(p.runs == 1 && p.kind[3] == CKPT_DIRTY_DROPPED, "dropped page 3");
	int fds[2];
	CHECK(pipe(fds) == 0, "pipe");
	const int targets[] = { 1, 3, 9 };
	for (int i = 0; i < 3; i++) {
		CHECK(write(fds[1], "hello", 5) == 5, "write to the pipe");
		CHECK(read(fds[0], m + targets[i] * PG + 100, 5) == 5, "read(2) into page %d: %m", targets[i]);
		CHECK(!memcmp(m + targets[i] * PG + 100, "hello", 5), "the bytes read into page %d", targets[i]);
	}
	p = scan(m, len);
	for (int i = 0; i < 16; i++)
		CHECK(p.kind[i] == (i == 1 || i == 3 || i == 9 ? CKPT_DIRTY_WRITTEN : 0), "page %d after read(2): kind %d", i,
		      p.kind[i]);
	ok("kernel writes");
}

int main(void)
{
	kernel_writes();
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

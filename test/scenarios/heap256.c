/*
 * 256 MiB of heap filled with a known pattern. The checksum is taken before
 * the checkpoint; after the restart every word is compared with the pattern
 * recomputed from its seed, and the checksum is taken again.
 */
#include "scenario.h"

#define SIZE (256UL << 20)

static unsigned long long checksum(const unsigned long long *p, size_t n)
{
	unsigned long long h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	size_t n = SIZE / sizeof(unsigned long long);
	unsigned long long *heap = malloc(SIZE);
	CHECK(heap != NULL, "malloc of %lu bytes failed", SIZE);
	unsigned long long seed = 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < n; i++)
		heap[i] = scen_xorshift(&seed);
	/* A few small allocations around the big one, also checked. */
	char *small[16];
	for (int i = 0; i < 16; i++) {
		small[i] = malloc(100 + i * 37);
		CHECK(small[i] != NULL, "small malloc %d", i);
		memset(small[i], 'a' + i, 100 + i * 37);
	}
	unsigned long long before = checksum(heap, n);
	scen_ready();
	scen_wait_go();
	seed = 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < n; i++) {
		unsigned long long want = scen_xorshift(&seed);
		CHECK(heap[i] == want, "word %zu (byte offset %zu) is %llx, want %llx",
		      i, i * 8, heap[i], want);
	}
	unsigned long long after = checksum(heap, n);
	CHECK(after == before, "checksum %llx, was %llx", after, before);
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 100 + i * 37; j++)
			CHECK(small[i][j] == 'a' + i, "small block %d byte %d", i, j);
	/* The allocator still works on the restored heap. */
	for (int i = 0; i < 16; i++)
		free(small[i]);
	void *more = malloc(64UL << 20);
	CHECK(more != NULL, "malloc after restart failed");
	memset(more, 1, 64UL << 20);
	free(more);
	free(heap);
	scen_pass();
}

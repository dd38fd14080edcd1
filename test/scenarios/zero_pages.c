/*
 * Pages of zeros are not saved: 64 MiB that were only read (mapped to the
 * kernel's zero page) and 64 MiB written and then cleared come back as zeros,
 * next to 4 MiB of data that must come back as it was. The driver checks that
 * the image is far smaller than the 132 MiB the program touched.
 */
#include "scenario.h"
#include <stdint.h>
#include <sys/mman.h>

#define ZERO (64UL << 20)
#define DATA (4UL << 20)

static unsigned char *map(size_t n)
{
	unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap");
	return p;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	volatile unsigned char *read_only = map(ZERO);
	unsigned long sum = 0;
	for (size_t i = 0; i < ZERO; i += 4096)
		sum += read_only[i];
	CHECK(sum == 0, "fresh memory reads as zero");
	unsigned char *cleared = map(ZERO);
	memset(cleared, 0xab, ZERO);
	memset(cleared, 0, ZERO);
	unsigned char *data = map(DATA);
	unsigned long long seed = 7;
	for (size_t i = 0; i < DATA / 8; i++)
		((unsigned long long *)data)[i] = scen_xorshift(&seed);
	scen_ready();
	scen_wait_go();
	for (size_t i = 0; i < ZERO; i++) {
		CHECK(read_only[i] == 0, "read-only byte %zu is %#x", i, read_only[i]);
		CHECK(cleared[i] == 0, "cleared byte %zu is %#x", i, cleared[i]);
	}
	seed = 7;
	for (size_t i = 0; i < DATA / 8; i++)
		CHECK(((unsigned long long *)data)[i] == scen_xorshift(&seed), "data word %zu", i);
	scen_pass();
}

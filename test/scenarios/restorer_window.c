/*
 * Memory where the restorer first lives (8 GiB at 32 TiB, native/restore/
 * window.c), as a program that chooses its own addresses may map it (V8 hints
 * its mappings anywhere below 64 TiB): the snapshot is restored by the
 * restorer built for the other window, and the pages come back.
 */
#include "scenario.h"
#include <stdint.h>
#include <sys/mman.h>

#define AT ((void *)0x200100000000ul) /* inside the first window */
#define SIZE (4ul << 20)

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	unsigned char *p = mmap(AT, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(p == AT, "mmap at %p: %p", AT, (void *)p);
	for (size_t i = 0; i < SIZE; i++)
		p[i] = (unsigned char)(i * 7 + 3);
	scen_ready();
	scen_wait_go();
	for (size_t i = 0; i < SIZE; i++)
		CHECK(p[i] == (unsigned char)(i * 7 + 3), "byte %zu is %#x", i, p[i]);
	scen_pass();
}

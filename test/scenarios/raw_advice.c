/*
 * A region advised MADV_DONTFORK or MADV_WIPEONFORK (argv[3]: "dc" or "wf")
 * through a raw system call, which the library does not see: a forked writer
 * would save it missing or as zeros, so the snapshot must be refused, naming
 * it. Prints `ready ADDRESS` (the region's start in hex), then idles until
 * GOFILE exists and checks the region's bytes.
 */
#include "scenario.h"
#include <sys/mman.h>
#include <sys/syscall.h>

#define SIZE (1UL << 20)

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	CHECK(argc > 3, "usage: raw_advice GOFILE WORKDIR dc|wf");
	unsigned char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap");
	memset(p, 0x3c, SIZE);
	int advice = strcmp(argv[3], "dc") ? MADV_WIPEONFORK : MADV_DONTFORK;
	CHECK(syscall(SYS_madvise, p, SIZE, advice) == 0, "madvise");
	printf("ready %lx\n", (unsigned long)p);
	fflush(stdout);
	scen_wait_go();
	for (size_t i = 0; i < SIZE; i++)
		CHECK(p[i] == 0x3c, "byte %zu is %#x", i, p[i]);
	scen_pass();
}

/*
 * The image is written by a forked writer while the program runs on: the
 * snapshot must still be of one instant. The program rewrites all of its
 * 64 MiB without pause, page after page, stamping every word of page k of
 * sweep g with (g << 32 | k), and checks before it overwrites a page that the
 * page still holds the previous sweep's stamp. A page saved from a later
 * instant than the rest would fail that check after the restart.
 * Alongside: shared memory, a MADV_DONTFORK and a MADV_WIPEONFORK region
 * (which a forked writer does not see as they are), all checked after the
 * restart; and while it runs, the program sees no SIGCHLD and no child to
 * wait for (the writer is the engine's, not the program's).
 * Prints `sweep N` every 16 sweeps.
 */
#include "scenario.h"
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define MEM (64UL << 20)
#define PAGE 4096UL
#define WORDS (PAGE / 8)
#define SIDE (1UL << 20)

static volatile sig_atomic_t sigchld_seen;

static void on_sigchld(int sig)
{
	(void)sig;
	sigchld_seen++;
}

static unsigned char *region(int shared, int advice, int byte)
{
	unsigned char *p = mmap(NULL, SIDE, PROT_READ | PROT_WRITE, (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS,
				-1, 0);
	CHECK(p != MAP_FAILED, "mmap");
	if (advice >= 0)
		CHECK(madvise(p, SIDE, advice) == 0, "madvise %d", advice);
	memset(p, byte, SIDE);
	return p;
}

static void check_region(const unsigned char *p, int byte, const char *what)
{
	for (size_t i = 0; i < SIDE; i++)
		CHECK(p[i] == byte, "%s byte %zu is %#x, want %#x", what, i, p[i], byte);
}

static void stamp(uint64_t *page, uint64_t value)
{
	for (size_t w = 0; w < WORDS; w++)
		page[w] = value;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	signal(SIGCHLD, on_sigchld);
	uint64_t *mem = aligned_alloc(PAGE, MEM);
	CHECK(mem != NULL, "malloc");
	size_t pages = MEM / PAGE;
	for (size_t k = 0; k < pages; k++)
		stamp(mem + k * WORDS, k);
	unsigned char *shared = region(1, -1, 0x5a);
	unsigned char *dontfork = region(0, MADV_DONTFORK, 0x6b);
	unsigned char *wipe = region(0, MADV_WIPEONFORK, 0x7c);
	scen_ready();
	for (uint64_t g = 1;; g++) {
		for (size_t k = 0; k < pages; k++) {
			uint64_t *page = mem + k * WORDS;
			uint64_t want = (g - 1) << 32 | k;
			for (size_t w = 0; w < WORDS; w++)
				CHECK(page[w] == want, "sweep %lu: page %zu word %zu is %#lx, want %#lx", (unsigned long)g, k, w,
				      (unsigned long)page[w], (unsigned long)want);
			stamp(page, g << 32 | k);
		}
		CHECK(!sigchld_seen, "the program got SIGCHLD");
		errno = 0;
		CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD, "the program has a child to wait for");
		if (g % 16 == 0)
			printf("sweep %lu\n", (unsigned long)g);
		if (scen_go())
			break;
	}
	check_region(shared, 0x5a, "shared memory");
	check_region(dontfork, 0x6b, "the MADV_DONTFORK region");
	check_region(wipe, 0x7c, "the MADV_WIPEONFORK region");
	scen_pass();
}

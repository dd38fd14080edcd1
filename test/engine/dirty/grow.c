/* Regions that grow after the arm: the heap (brk) and the main thread's
 * stack. What grew must never be reported clean. */
#include "dirty_test.h"

/* The span of the [stack] or [heap] lines of /proc/self/maps (the heap
 * grown after the arm is a mapping of its own). */
static void region(const char *name, uint64_t *start, uint64_t *end)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	*start = *end = 0;
	while (f && fgets(line, sizeof line, f)) {
		uint64_t s, e;
		if (strstr(line, name) && sscanf(line, "%lx-%lx", &s, &e) == 2) {
			if (!*start || s < *start)
				*start = s;
			if (e > *end)
				*end = e;
		}
	}
	if (f)
		fclose(f);
	CHECK(*end, "no %s in /proc/self/maps", name);
}

static void heap(void)
{
	unsigned char *old_top = sbrk(0);
	unsigned char *base = sbrk(64 * PG);
	CHECK(base != (void *)-1, "sbrk");
	memset(base, 1, 64 * PG);
	arm();
	unsigned char *more = sbrk(64 * PG);
	CHECK(more == base + 64 * PG, "sbrk again");
	memset(more, 2, 32 * PG);
	base[PG] = 3;
	uint64_t s, e;
	region("[heap]", &s, &e);
	CHECK(e >= (uint64_t)(more + 64 * PG), "heap end");
	struct pages p = scan((void *)s, e - s);
	for (uint64_t a = (uint64_t)base; a < (uint64_t)(more + 64 * PG); a += PG) {
		unsigned k = p.kind[(a - s) / PG];
		if (a >= (uint64_t)more)
			CHECK(k != 0, "heap page +%lx grown after the arm reported clean", (unsigned long)(a - (uint64_t)base));
		else
			CHECK(k == (a == (uint64_t)(base + PG) ? CKPT_DIRTY_WRITTEN : 0), "heap page +%lx: kind %u",
			      (unsigned long)(a - (uint64_t)base), k);
	}
	(void)old_top;
	ok("heap grown by brk");
}

static uint64_t stack_sum;

/* Uses about depth * 8 KiB of stack below the current frame. */
static __attribute__((noinline)) uint64_t deep(int depth)
{
	volatile unsigned char frame[8192];
	for (size_t i = 0; i < sizeof frame; i += 512)
		frame[i] = (unsigned char)depth;
	uint64_t r = depth ? deep(depth - 1) : (uint64_t)&frame[0];
	stack_sum += frame[100];
	return r;
}

static void stack(void)
{
	uint64_t s0, e0;
	region("[stack]", &s0, &e0);
	arm();
	/* grow well below what the stack's mapping covered at the arm */
	int depth = (int)((uint64_t)&s0 - s0) / 8192 + 64;
	uint64_t lowest = deep(depth);
	uint64_t s, e;
	region("[stack]", &s, &e);
	CHECK(s < s0 && lowest < s0, "the stack did not grow (%lx < %lx)", s, s0);
	struct pages p = scan((void *)s, e - s);
	for (uint64_t a = (lowest & ~(PG - 1)) + PG; a < s0; a += PG)
		CHECK(p.kind[(a - s) / PG] != 0, "stack page %lx written below the armed stack reported clean",
		      (unsigned long)a);
	ok("stack grown by recursion");
}

int main(void)
{
	heap();
	stack();
	return 0;
}

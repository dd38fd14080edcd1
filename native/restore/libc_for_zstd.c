/*
 * What libzstd's decoder (linked in from Debian's static libzstd, for images
 * stored in compressed chunks) needs from a C library, in a program that has
 * none: memmove, an allocator that never allocates (the restorer gives zstd
 * its memory up front: ZSTD_initStaticDCtx), and a thread block for the stack
 * protector's canary (%fs:0x28), which Debian compiles libzstd with. The
 * program's own thread pointer replaces it once memory is in place
 * (threads.c); nothing of zstd runs after that.
 */
#include "rt.h"

#define ARCH_SET_FS 0x1002

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

void *malloc(size_t n)
{
	(void)n;
	return 0;
}

void *calloc(size_t n, size_t size)
{
	(void)n, (void)size;
	return 0;
}

void free(void *p)
{
	(void)p;
}

__attribute__((noreturn)) void __stack_chk_fail(void)
{
	fail("the restorer's stack was overwritten while decompressing memory contents", 0, 0);
}

/* x86_64's thread block: its own address first, the canary at 0x28 */
static uint64_t thread_block[16] __attribute__((aligned(64)));

void thread_block_setup(uint64_t seed)
{
	thread_block[0] = (uint64_t)thread_block;
	thread_block[5] = (seed | 0xff00000000000000ull) & ~0xffull;
	sys2(NR_arch_prctl, ARCH_SET_FS, (long)thread_block);
}

/* zstd's tracing hooks, weak references that a static link at the
 * restorer's address cannot leave at zero: no tracing */
unsigned long long ZSTD_trace_decompress_begin(const void *dctx)
{
	(void)dctx;
	return 0;
}

void ZSTD_trace_decompress_end(unsigned long long ctx, const void *trace)
{
	(void)ctx, (void)trace;
}

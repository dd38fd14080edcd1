/*
 * XXH3-128 over a buffer: the name of a saved file's chunk (ckpt_files.h).
 * xxHash is header-only here (XXH_INLINE_ALL): the freestanding restorer
 * links no library, and only the one-shot function is used, so nothing of
 * malloc or the C library is reached.
 */
#ifndef CKPT_XXH_H
#define CKPT_XXH_H
#include <stdint.h>
#define XXH_INLINE_ALL
#define XXH_NO_STREAM
#include <xxhash.h>

static inline void ckpt_xxh128(const void *p, uint64_t n, uint64_t *hi, uint64_t *lo)
{
	XXH128_hash_t h = XXH3_128bits(p, (size_t)n);
	*hi = h.high64;
	*lo = h.low64;
}
#endif

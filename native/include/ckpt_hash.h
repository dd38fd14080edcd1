/*
 * ckpt_hash: the image checksum. A 64-bit hash in four independent lanes
 * (the XXH64 construction), fast enough to run over every saved page while it is
 * written or read back. Header-only and freestanding: the restorer has no libc.
 */
#ifndef CKPT_HASH_H
#define CKPT_HASH_H
#include <stdint.h>
#include <stddef.h>

#define CKPT_H_P1 0x9E3779B185EBCA87ULL
#define CKPT_H_P2 0xC2B2AE3D27D4EB4FULL
#define CKPT_H_P3 0x165667B19E3779F9ULL
#define CKPT_H_P4 0x85EBCA77C2B2AE63ULL
#define CKPT_H_P5 0x27D4EB2F165667C5ULL

struct ckpt_hash {
	uint64_t v[4];
	uint64_t total;
	uint8_t tail[32];
	uint32_t tail_len;
};

static inline uint64_t ckpt_h_rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t ckpt_h_round(uint64_t acc, uint64_t in)
{
	acc += in * CKPT_H_P2;
	acc = ckpt_h_rotl(acc, 31);
	return acc * CKPT_H_P1;
}
static inline uint64_t ckpt_h_merge(uint64_t acc, uint64_t v)
{
	acc ^= ckpt_h_round(0, v);
	return acc * CKPT_H_P1 + CKPT_H_P4;
}
static inline uint64_t ckpt_h_read64(const uint8_t *p)
{
	uint64_t v;
	__builtin_memcpy(&v, p, 8);
	return v;
}

static inline void ckpt_hash_init(struct ckpt_hash *h)
{
	h->v[0] = CKPT_H_P1 + CKPT_H_P2;
	h->v[1] = CKPT_H_P2;
	h->v[2] = 0;
	h->v[3] = (uint64_t)0 - CKPT_H_P1;
	h->total = 0;
	h->tail_len = 0;
}

static inline void ckpt_hash_stripes(struct ckpt_hash *h, const uint8_t *p, size_t n)
{
	uint64_t v0 = h->v[0], v1 = h->v[1], v2 = h->v[2], v3 = h->v[3];
	for (size_t i = 0; i + 32 <= n; i += 32) {
		v0 = ckpt_h_round(v0, ckpt_h_read64(p + i));
		v1 = ckpt_h_round(v1, ckpt_h_read64(p + i + 8));
		v2 = ckpt_h_round(v2, ckpt_h_read64(p + i + 16));
		v3 = ckpt_h_round(v3, ckpt_h_read64(p + i + 24));
	}
	h->v[0] = v0; h->v[1] = v1; h->v[2] = v2; h->v[3] = v3;
}

static inline void ckpt_hash_update(struct ckpt_hash *h, const void *data, size_t n)
{
	const uint8_t *p = (const uint8_t *)data;
	h->total += n;
	if (h->tail_len) {
		while (n && h->tail_len < 32) {
			h->tail[h->tail_len++] = *p++;
			n--;
		}
		if (h->tail_len < 32)
			return;
		ckpt_hash_stripes(h, h->tail, 32);
		h->tail_len = 0;
	}
	size_t whole = n & ~(size_t)31;
	ckpt_hash_stripes(h, p, whole);
	p += whole;
	n -= whole;
	while (n--)
		h->tail[h->tail_len++] = *p++;
}

static inline uint64_t ckpt_hash_final(const struct ckpt_hash *h)
{
	uint64_t acc;
	if (h->total >= 32) {
		acc = ckpt_h_rotl(h->v[0], 1) + ckpt_h_rotl(h->v[1], 7) +
		      ckpt_h_rotl(h->v[2], 12) + ckpt_h_rotl(h->v[3], 18);
		for (int i = 0; i < 4; i++)
			acc = ckpt_h_merge(acc, h->v[i]);
	} else {
		acc = CKPT_H_P5;
	}
	acc += h->total;
	uint32_t i = 0;
	for (; i + 8 <= h->tail_len; i += 8) {
		acc ^= ckpt_h_round(0, ckpt_h_read64(h->tail + i));
		acc = ckpt_h_rotl(acc, 27) * CKPT_H_P1 + CKPT_H_P4;
	}
	for (; i < h->tail_len; i++) {
		acc ^= h->tail[i] * CKPT_H_P5;
		acc = ckpt_h_rotl(acc, 11) * CKPT_H_P1;
	}
	acc ^= acc >> 33;
	acc *= CKPT_H_P2;
	acc ^= acc >> 29;
	acc *= CKPT_H_P3;
	acc ^= acc >> 32;
	return acc;
}

static inline uint64_t ckpt_hash_buf(const void *data, size_t n)
{
	struct ckpt_hash h;
	ckpt_hash_init(&h);
	ckpt_hash_update(&h, data, n);
	return ckpt_hash_final(&h);
}

/* The memory contents are checked in chunks: the section's checksum is the
 * hash of the hashes of its 4 MiB chunks, in order, so that a restorer can read
 * and check chunks on several CPUs at once. */
#define CKPT_DATA_CHUNK (4ul << 20)

struct ckpt_chunked_hash {
	struct ckpt_hash chunk, outer;
	uint64_t in_chunk;
};

static inline void ckpt_chunked_init(struct ckpt_chunked_hash *c)
{
	ckpt_hash_init(&c->chunk);
	ckpt_hash_init(&c->outer);
	c->in_chunk = 0;
}

static inline void ckpt_chunked_update(struct ckpt_chunked_hash *c, const void *data, size_t n)
{
	const uint8_t *p = (const uint8_t *)data;
	while (n) {
		size_t take = CKPT_DATA_CHUNK - c->in_chunk;
		if (take > n)
			take = n;
		ckpt_hash_update(&c->chunk, p, take);
		c->in_chunk += take;
		p += take;
		n -= take;
		if (c->in_chunk == CKPT_DATA_CHUNK) {
			uint64_t h = ckpt_hash_final(&c->chunk);
			ckpt_hash_update(&c->outer, &h, sizeof h);
			ckpt_hash_init(&c->chunk);
			c->in_chunk = 0;
		}
	}
}

static inline uint64_t ckpt_chunked_final(struct ckpt_chunked_hash *c)
{
	if (c->in_chunk) {
		uint64_t h = ckpt_hash_final(&c->chunk);
		ckpt_hash_update(&c->outer, &h, sizeof h);
		ckpt_hash_init(&c->chunk);
		c->in_chunk = 0;
	}
	return ckpt_hash_final(&c->outer);
}
#endif

/*
 * Filling memory: the saved pages of an image and those its parents supply
 * are read into place by two threads at once, chunk by chunk of each image's
 * memory contents (handed out one at a time from one queue across the
 * images): on this kind of machine most of a large restart is the kernel
 * handing out and zeroing fresh pages, which two CPUs do twice as fast. Every
 * byte of every chunk read is hashed as it arrives, wanted or not, and each
 * image's checksum is compared once all are in, before the program runs.
 *
 * A chunk is read one of two ways. Where its pieces are large (a parent that
 * supplies long runs, an image's own runs) each wanted piece is read straight
 * to its address and the rest into a bounce buffer, in data order; where they
 * are small (an increment's scattered pages) one read of the whole chunk into
 * the bounce buffer and a copy of each wanted piece costs far fewer calls.
 */
#include "rt.h"
#include "../include/ckpt_reader.h"

/* below this average size of a chunk's pieces, one read and copies are faster */
#define DIRECT_MIN_PIECE (32ul << 10)

static struct {
	struct fill_source *src;
	uint32_t nsrc;
	uint64_t nchunks; /* over all the sources */
	char *bounce[2];  /* one per thread */
	/* for images stored in compressed chunks: a stored frame and a zstd
	 * context per thread */
	char *frame[2];
	ZSTD_DCtx *dctx[2];
	volatile int32_t next;
	volatile int32_t helper_alive; /* cleared by the kernel when the helper has exited */
} fill;

/* The first range of rs that ends after a. */
uint64_t ranges_first_after(const struct ranges *rs, uint64_t a)
{
	uint64_t lo = 0, hi = rs->n;
	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;
		if (rs->v[2 * mid + 1] <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* What happens to each piece of a chunk, in data order: addr is where the
 * piece goes, 0 for bytes that are only checked. */
struct walk {
	struct image *im;
	uint64_t start; /* the chunk's offset in the memory contents */
	char *bounce;
	struct ckpt_hash h;
	uint64_t pieces;
	uint64_t target; /* a stored chunk wanted whole at one address: there, else 0 */
};
typedef void (*piece_fn)(struct walk *w, uint64_t off, uint64_t addr, uint64_t n);

static void wanted_pieces(struct walk *w, const struct ranges *want, uint64_t off, uint64_t addr, uint64_t n,
			  piece_fn fn)
{
	uint64_t pos = addr, end = addr + n;
	for (uint64_t i = ranges_first_after(want, addr); i < want->n && want->v[2 * i] < end; i++) {
		uint64_t a = want->v[2 * i] > addr ? want->v[2 * i] : addr;
		uint64_t b = want->v[2 * i + 1] < end ? want->v[2 * i + 1] : end;
		if (a > pos)
			fn(w, off + (pos - addr), 0, a - pos);
		fn(w, off + (a - addr), a, b - a);
		pos = b;
	}
	if (pos < end)
		fn(w, off + (pos - addr), 0, end - pos);
}

/* Calls fn for every piece of [start, end) of s's memory contents: every byte
 * once, in order, those of a wanted page with the page's address. */
static void each_piece(struct walk *w, const struct fill_source *s, uint64_t end, piece_fn fn)
{
	struct image *im = s->im;
	uint64_t start = w->start, at = start;
	/* the runs lie in the data in order: find the first that reaches this chunk */
	uint64_t lo = 0, hi = im->ndruns;
	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;
		struct ckpt_img_run *r = &im->druns[mid];
		if (r->data_offset + r->npages * CKPT_PAGE <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint64_t k = lo; k < im->ndruns && im->druns[k].data_offset < end; k++) {
		struct ckpt_img_run *r = &im->druns[k];
		uint64_t rs = r->data_offset, re = rs + r->npages * CKPT_PAGE;
		uint64_t a = rs > start ? rs : start, b = re < end ? re : end;
		if (a >= b)
			continue;
		if (a < at)
			fail("the memory map section is inconsistent (runs overlap in the memory contents): ", im->path, 0);
		if (a > at)
			fn(w, at, 0, a - at);
		if (s->want)
			wanted_pieces(w, s->want, a, r->addr + (a - rs), b - a, fn);
		else
			fn(w, a, r->addr + (a - rs), b - a);
		at = b;
	}
	if (at < end)
		fn(w, at, 0, end - at);
}

static void read_at(struct image *im, char *dst, uint64_t n, uint64_t off)
{
	for (uint64_t done = 0; done < n;) {
		long r = sys4(NR_pread64, im->fd, dst + done, n - done, im->memdata->offset + off + done);
		if (r == -EINTR)
			continue;
		if (r <= 0 && im == fill.src[0].im)
			fail("the image is truncated (memory contents)", 0, 0);
		if (r <= 0)
			fail("the snapshot it was taken after is truncated (memory contents): ", im->path, 0);
		done += (uint64_t)r;
	}
}

static void count_piece(struct walk *w, uint64_t off, uint64_t addr, uint64_t n)
{
	(void)off, (void)addr, (void)n;
	w->pieces++;
}

/* straight to its address, or to the bounce buffer, hashed in cache */
static void read_piece(struct walk *w, uint64_t off, uint64_t addr, uint64_t n)
{
	const uint64_t step = 1ul << 20;
	char *dst = addr ? (char *)addr : w->bounce + (off - w->start);
	/* the kernel hands out the fresh pages in one call, not one fault each */
	if (addr)
		sys3(NR_madvise, addr, n, MADV_POPULATE_WRITE);
	for (uint64_t done = 0; done < n; done += step) {
		uint64_t k = n - done < step ? n - done : step;
		read_at(w->im, dst + done, k, off + done);
		ckpt_hash_update(&w->h, dst + done, k);
	}
}

static void copy_piece(struct walk *w, uint64_t off, uint64_t addr, uint64_t n)
{
	if (!addr)
		return;
	if (n >= DIRECT_MIN_PIECE)
		sys3(NR_madvise, addr, n, MADV_POPULATE_WRITE);
	memcpy((void *)addr, w->bounce + (off - w->start), n);
}

/* What ckr_chunk_load found, said of the image or of the parent it is. */
static void chunk_failed(const struct fill_source *s)
{
	const char *msg = s->im->reader->msg;
	if (s->im == fill.src[0].im)
		fail(msg, "; the program was not started", 0);
	fail4("the snapshot it was taken after: ", msg, "; the program was not started: ", s->im->path);
}

/* A chunk stored as a block (compressed or as it is): the whole chunk into
 * the bounce buffer, then each wanted piece copied out. */
static void whole_piece(struct walk *w, uint64_t off, uint64_t addr, uint64_t n)
{
	(void)n;
	w->target = !w->pieces++ && off == w->start ? addr : 0;
}

static void fill_stored_chunk(struct fill_source *s, uint64_t c, int self)
{
	struct ckpt_reader *r = s->im->reader;
	struct walk w = { .im = s->im, .start = c * CKPT_DATA_CHUNK, .bounce = fill.bounce[self] };
	uint64_t len = ckr_chunk_len(r, c);
	/* one piece wanted whole (a long run's): decoded straight into place */
	each_piece(&w, s, w.start + len, whole_piece);
	char *dst = w.pieces == 1 && w.target ? (char *)w.target : w.bounce;
	if (dst != w.bounce)
		sys3(NR_madvise, (long)dst, len, MADV_POPULATE_WRITE);
	if (ckr_chunk_load(r, c, dst, fill.frame[self], fill.dctx[self]))
		chunk_failed(s);
	ckpt_hash_init(&w.h);
	ckpt_hash_update(&w.h, dst, len);
	if (dst == w.bounce)
		each_piece(&w, s, w.start + len, copy_piece);
	s->hashes[c] = ckpt_hash_final(&w.h);
}

static void fill_chunk(struct fill_source *s, uint64_t c, int self)
{
	if (s->im->reader->chunks) {
		fill_stored_chunk(s, c, self);
		return;
	}
	struct walk w;
	w.im = s->im;
	w.start = c * CKPT_DATA_CHUNK;
	w.bounce = fill.bounce[self];
	w.pieces = 0;
	uint64_t end = w.start + CKPT_DATA_CHUNK;
	if (end > s->im->memdata->size)
		end = s->im->memdata->size;
	ckpt_hash_init(&w.h);
	each_piece(&w, s, end, count_piece);
	if ((end - w.start) / w.pieces >= DIRECT_MIN_PIECE) {
		each_piece(&w, s, end, read_piece);
	} else {
		read_piece(&w, w.start, 0, end - w.start);
		each_piece(&w, s, end, copy_piece);
	}
	s->hashes[c] = ckpt_hash_final(&w.h);
}

static void fill_loop(int self)
{
	for (;;) {
		uint64_t c = (uint64_t)__atomic_fetch_add(&fill.next, 1, __ATOMIC_ACQ_REL);
		if (c >= fill.nchunks)
			return;
		uint32_t i = 0;
		while (c >= fill.src[i].nchunks)
			c -= fill.src[i++].nchunks;
		fill_chunk(&fill.src[i], c, self);
	}
}

static void fill_helper(void *unused)
{
	(void)unused;
	fill_loop(1);
	sys1(NR_exit, 0);
}

static void stored_buffers(struct ckpt_reader *r, int self)
{
	fill.frame[self] = arena_alloc(CKR_FRAME_MAX);
	fill.dctx[self] = ckr_dctx(r);
	if (!fill.dctx[self])
		fail("cannot set up the decompression of the memory contents", 0, 0);
}

long rclone(unsigned long flags, void *stack, void (*fn)(void *), void *arg, volatile int32_t *ctid);

static int source_intact(struct fill_source *s)
{
	struct ckpt_hash outer;
	ckpt_hash_init(&outer);
	for (uint64_t c = 0; c < s->nchunks; c++)
		ckpt_hash_update(&outer, &s->hashes[c], sizeof s->hashes[c]);
	return ckpt_hash_final(&outer) == s->im->memdata->checksum;
}

void fill_memory(struct fill_source *src, uint32_t n)
{
	fill.src = src;
	fill.nsrc = n;
	fill.nchunks = 0;
	int stored = 0;
	for (uint32_t i = 0; i < n; i++) {
		stored |= src[i].im->reader->chunks != 0;
		src[i].nchunks = (src[i].im->reader->data_size + CKPT_DATA_CHUNK - 1) / CKPT_DATA_CHUNK;
		src[i].hashes = arena_alloc((src[i].nchunks + 1) * sizeof *src[i].hashes);
		fill.nchunks += src[i].nchunks;
	}
	fill.next = 0;
	fill.helper_alive = 0;
	fill.bounce[0] = arena_alloc(CKPT_DATA_CHUNK);
	if (stored)
		stored_buffers(src[0].im->reader, 0);
	if (fill.nchunks >= 16) {
		/* zstd's decoder wants more stack than a copy loop */
		char *stack = arena_alloc(256 * 1024);
		fill.bounce[1] = arena_alloc(CKPT_DATA_CHUNK);
		if (stored)
			stored_buffers(src[0].im->reader, 1);
		fill.helper_alive = 1;
		if (rclone(0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x200000
			   /* VM FS FILES SIGHAND THREAD SYSVSEM CHILD_CLEARTID */,
			   stack + 256 * 1024, fill_helper, 0, &fill.helper_alive) <= 0)
			fill.helper_alive = 0;
	}
	fill_loop(0);
	/* wait until the helper has exited, not just finished: the restorer's code
	 * and stacks go away before the program runs */
	for (;;) {
		int32_t alive = __atomic_load_n(&fill.helper_alive, __ATOMIC_ACQUIRE);
		if (!alive)
			break;
		long ts[2] = { 0, 1000000 };
		sys4(NR_futex, &fill.helper_alive, 0 /* FUTEX_WAIT */, alive, ts);
	}
	if (!source_intact(&src[0]))
		fail("the memory contents are corrupt (checksum mismatch); the program was not started", 0, 0);
	for (uint32_t i = 1; i < n; i++)
		if (!source_intact(&src[i]))
			fail("the memory contents of the snapshot it was taken after are corrupt (checksum mismatch); "
			     "the program was not started: ",
			     src[i].im->path, 0);
}

/* Threads writing concurrently. First while the scans run (stronger than the
 * engine needs, which scans with every thread stopped): an image kept up to
 * date only with the pages each scan reports must end equal to the memory.
 * Then threads stopped at a barrier between scans, as in a checkpoint: each
 * scan reports exactly the pages written since the previous one. */
#include "dirty_test.h"
#include <pthread.h>
#include <stdatomic.h>

#define THREADS 4
#define LEN (32ul << 20)

static unsigned char *mem;
static atomic_int stop;
static pthread_barrier_t barrier;
static unsigned char *wanted; /* phase 2: pages written in this round */

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 4;
}

static void *writer(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	while (!atomic_load(&stop)) {
		size_t pg = rnd(&seed) % (LEN / PG);
		mem[pg * PG + rnd(&seed) % PG] = (unsigned char)rnd(&seed);
	}
	return 0;
}

static unsigned char *image;

static int apply(void *ctx, uint64_t s, uint64_t e, unsigned kind)
{
	CHECK(kind != CKPT_DIRTY_UNTRACKED, "untracked run while armed");
	if (kind == CKPT_DIRTY_DROPPED)
		memset(image + (s - (uint64_t)mem), 0, e - s);
	else
		memcpy(image + (s - (uint64_t)mem), (void *)s, e - s);
	return 0;
}

static void concurrent(void)
{
	image = malloc(LEN);
	memcpy(image, mem, LEN);
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], 0, writer, (void *)(uintptr_t)(i + 1));
	for (int round = 0; round < 50; round++) {
		CHECK(ckpt_dirty_scan((uint64_t)mem, (uint64_t)mem + LEN, apply, 0) == 0, "scan");
		usleep(1000);
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], 0);
	CHECK(ckpt_dirty_scan((uint64_t)mem, (uint64_t)mem + LEN, apply, 0) == 0, "last scan");
	for (size_t i = 0; i < LEN; i += PG)
		CHECK(!memcmp(image + i, mem + i, PG), "page %zu differs from the image kept by the scans", i / PG);
	ok("scans while threads write");
}

static void *stopping_writer(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg * 7919u;
	int me = (int)(uintptr_t)arg;
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 500; i++) {
			/* each thread its own pages: no two threads race on one want[] byte */
			size_t pg = (rnd(&seed) % (LEN / PG / THREADS)) * THREADS + (size_t)me;
			mem[pg * PG + rnd(&seed) % PG] = 1;
			wanted[pg] = 1;
		}
		pthread_barrier_wait(&barrier); /* stopped: main scans */
		pthread_barrier_wait(&barrier); /* main is done */
	}
	return 0;
}

static void stopped(void)
{
	pthread_t t[THREADS];
	wanted = calloc(LEN / PG, 1);
	pthread_barrier_init(&barrier, 0, THREADS + 1);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], 0, stopping_writer, (void *)(uintptr_t)i);
	for (int round = 0; round < 20; round++) {
		pthread_barrier_wait(&barrier);
		struct pages p = scan(mem, LEN);
		for (size_t i = 0; i < LEN / PG; i++)
			CHECK(p.kind[i] == (wanted[i] ? CKPT_DIRTY_WRITTEN : 0), "round %d page %zu: kind %d, written %d",
			      round, i, p.kind[i], wanted[i]);
		free(p.kind);
		memset(wanted, 0, LEN / PG);
		pthread_barrier_wait(&barrier);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], 0);
	ok("threads stopped between scans");
}

int main(void)
{
	mem = map_anon(LEN);
	memset(mem, 1, LEN);
	arm();
	concurrent();
	stopped();
	return 0;
}

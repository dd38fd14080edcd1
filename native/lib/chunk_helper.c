/*
 * A second thread of the forked writer (chunk_writer.c): it stores every
 * other chunk, so that compressing the pages takes two CPUs where there are
 * two. A raw clone sharing the writer's memory and thread pointer, not a
 * pthread: the writer is itself a raw clone of a program whose other threads
 * may have held glibc's locks. It runs nothing of libc that keeps state: the
 * chunk writer's code is raw system calls and zstd with its memory given.
 * One job at a time, handed over through a futex.
 */
#include "chunk_helper.h"
#include "../include/ckpt_clone.h"
#include <linux/futex.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define STACK_SIZE (256ul << 10) /* zstd's compressor wants more than a few pages */

enum { IDLE = 0, WORK = 1, END = 2 };

long ckpt_raw_thread(unsigned long flags, void *stack, void (*fn)(void *), void *arg, volatile int32_t *ctid);
CKPT_CLONE_ASM(ckpt_raw_thread, ".hidden ckpt_raw_thread\n");

static void wait_while(volatile int32_t *word, int32_t value)
{
	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == value)
		SYS4(SYS_futex, word, FUTEX_WAIT, value, 0);
}

static void wake(volatile int32_t *word) { SYS3(SYS_futex, word, FUTEX_WAKE, 1); }

static void helper_main(void *arg)
{
	struct chunk_helper *h = arg;
	for (;;) {
		wait_while(&h->job, IDLE);
		if (__atomic_load_n(&h->job, __ATOMIC_ACQUIRE) == END)
			SYS1(SYS_exit, 0);
		h->work(h->arg);
		__atomic_store_n(&h->job, IDLE, __ATOMIC_RELEASE);
		wake(&h->job);
	}
}

/* How many CPUs this process may run on. */
static int cpus(void)
{
	uint64_t mask[16] = { 0 };
	long n = SYS3(SYS_sched_getaffinity, 0, sizeof mask, mask);
	int count = 0;
	for (long i = 0; n > 0 && i < n / 8; i++)
		count += __builtin_popcountll(mask[i]);
	return count;
}

int ckpt_helper_start(struct chunk_helper *h, void (*work)(void *), void *arg)
{
	__builtin_memset((void *)h, 0, sizeof *h);
	if (cpus() < 2)
		return -1;
	long m = SYS6(SYS_mmap, 0, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m < 0 && m > -4096)
		return -1;
	h->stack = (void *)m;
	h->work = work;
	h->arg = arg;
	h->alive = 1;
	long r = ckpt_raw_thread(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
					 CLONE_CHILD_CLEARTID | CLONE_UNTRACED,
				 (char *)h->stack + STACK_SIZE, helper_main, h, &h->alive);
	if (r <= 0) {
		SYS2(SYS_munmap, h->stack, STACK_SIZE);
		h->stack = 0;
		h->alive = 0;
		return -1;
	}
	return 0;
}

int ckpt_helper_idle(struct chunk_helper *h) { return h->stack && __atomic_load_n(&h->job, __ATOMIC_ACQUIRE) == IDLE; }

void ckpt_helper_give(struct chunk_helper *h)
{
	__atomic_store_n(&h->job, WORK, __ATOMIC_RELEASE);
	wake(&h->job);
}

void ckpt_helper_wait(struct chunk_helper *h)
{
	if (h->stack)
		wait_while(&h->job, WORK);
}

void ckpt_helper_stop(struct chunk_helper *h)
{
	if (!h->stack)
		return;
	ckpt_helper_wait(h);
	__atomic_store_n(&h->job, END, __ATOMIC_RELEASE);
	wake(&h->job);
	/* gone, not just finished: its stack goes away next */
	for (int32_t alive; (alive = __atomic_load_n(&h->alive, __ATOMIC_ACQUIRE));)
		SYS4(SYS_futex, &h->alive, FUTEX_WAIT, alive, 0);
	SYS2(SYS_munmap, h->stack, STACK_SIZE);
	h->stack = 0;
}

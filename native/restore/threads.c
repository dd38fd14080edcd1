/*
 * Threads: the restorer's own thread becomes the program's main thread; the
 * others are cloned. Each gets its kernel state back (TLS base, clear_child_tid,
 * robust list, rseq, CPU affinity, pending signals), records its new TID in the
 * library's table, and jumps into the library, which resumes it with
 * rt_sigreturn on the signal frame saved in its stack.
 */
#include "rt.h"
#include "../include/ckpt_clone.h"

#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_THREAD 0x10000
#define CLONE_SYSVSEM 0x40000
#define ARCH_SET_FS 0x1002

/* a thread by a raw clone (include/ckpt_clone.h) */
long rclone(unsigned long flags, void *stack, void (*fn)(void *), void *arg, volatile int32_t *ctid);
CKPT_CLONE_ASM(rclone, "");

/* jump(entry, uc): never returns */
__attribute__((noreturn)) static void jump(uint64_t entry, uint64_t uc)
{
	__asm__ volatile("mov %0, %%rdi\n jmp *%1\n" : : "r"(uc), "r"(entry) : "rdi", "memory");
	__builtin_unreachable();
}

static struct image *img;
static struct ckpt_runtime *runtime;
static int real_pid;

static void setup_thread(struct ckpt_img_thread *t)
{
	sys2(NR_arch_prctl, ARCH_SET_FS, t->fs_base);
	int tid = (int)sys1(NR_set_tid_address, t->tid_address);
	if (t->robust_head)
		sys2(NR_set_robust_list, t->robust_head, t->robust_len);
	if (t->rseq_len)
		sys4(NR_rseq, t->rseq_addr, t->rseq_len, 0, t->rseq_sig);
	sys3(NR_sched_setaffinity, 0, sizeof t->affinity, t->affinity);
	t->comm[sizeof t->comm - 1] = 0;
	if (t->comm[0])
		sys2(NR_prctl, 15 /* PR_SET_NAME */, t->comm);
	if (t->npending_info) {
		for (uint32_t i = 0; i < t->npending_info && i < 16; i++)
			sys4(NR_rt_tgsigqueueinfo, real_pid, tid, *(int32_t *)t->pending_info[i], t->pending_info[i]);
	} else {
		for (int sig = 1; sig <= 64; sig++)
			if (t->pending & (1ull << (sig - 1)))
				sys3(NR_tgkill, real_pid, tid, sig);
	}
	runtime->threads[t->slot].tid = tid;
	runtime->threads[t->slot].used = 1;
}

/* POSIX timers come back with the same ids (PR_TIMER_CREATE_RESTORE_IDS: the
 * program holds them as timer_t values), notification and remaining time. */
static void timers_restore(struct image *im, struct ckpt_runtime *rt)
{
	struct ckpt_img_signals *s = im->signals;
	if (!s->ntimers)
		return;
	sys2(NR_prctl, 77 /* PR_TIMER_CREATE_RESTORE_IDS */, 1);
	for (uint32_t i = 0; i < s->ntimers && i < 32; i++) {
		__typeof__(s->timers[0]) *t = &s->timers[i];
		struct {
			uint64_t value;
			int32_t signo, notify;
			int32_t tid;
			int32_t pad[11];
		} ev = { t->value, t->signo, t->notify, 0, { 0 } };
		if (t->notify & 4) { /* SIGEV_THREAD_ID: the thread's new TID */
			ev.tid = real_pid;
			for (int k = 0; k < CKPT_MAX_THREADS; k++)
				if (rt->threads[k].used && rt->threads[k].vtid == t->tid)
					ev.tid = rt->threads[k].tid;
		}
		int32_t id = t->id;
		if (sys3(NR_timer_create, t->clockid, &ev, &id) < 0 || id != t->id) {
			out_str(2, "ckpt-restore: warning: a POSIX timer could not be made again with its id\n");
			continue;
		}
		int64_t its[4] = { t->interval_sec, t->interval_nsec, t->value_sec, t->value_nsec };
		if (its[2] || its[3])
			sys4(NR_timer_settime, id, 0, its, 0);
	}
	sys2(NR_prctl, 77, 0);
}

static void thread_main(void *arg)
{
	struct ckpt_img_thread *t = arg;
	setup_thread(t);
	jump(img->proc->thread_entry_addr, t->uc);
}

void threads_restore(struct image *im, struct ckpt_runtime *rt)
{
	img = im;
	runtime = rt;
	real_pid = (int)sys0(NR_getpid);
	uint32_t main_index = 0;
	for (uint32_t i = 0; i < im->nthreads; i++)
		if (im->threads[i].is_main)
			main_index = i;
	/* the table is the library's: keep only the threads that come back */
	for (int i = 0; i < CKPT_MAX_THREADS; i++)
		rt->threads[i].used = 0;
	for (uint32_t i = 0; i < im->nthreads; i++) {
		struct ckpt_img_thread *t = &im->threads[i];
		rt->threads[t->slot].vtid = t->vtid;
		rt->threads[t->slot].tid = 0; /* each thread writes its new one */
		rt->threads[t->slot].used = 1;
	}
	for (uint32_t i = 0; i < im->nthreads; i++) {
		if (i == main_index)
			continue;
		char *stack = arena_alloc(64 * 1024);
		long r = rclone(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM,
				stack + 64 * 1024, thread_main, &im->threads[i], 0);
		if (r < 0)
			fail("cannot start a thread: ", errno_name(r), " (the program was not started)");
	}
	struct ckpt_img_thread *m = &im->threads[main_index];
	setup_thread(m);
	/* every thread's new TID is known before timers that name one are made */
	for (uint32_t i = 0; i < im->nthreads; i++)
		while (!__atomic_load_n(&rt->threads[im->threads[i].slot].tid, __ATOMIC_ACQUIRE))
			sys0(24 /* sched_yield */);
	timers_restore(im, rt);
	struct ckpt_img_signals *s = im->signals;
	if (s->nshared_info) {
		for (uint32_t i = 0; i < s->nshared_info && i < 32; i++)
			sys3(NR_rt_sigqueueinfo, real_pid, *(int32_t *)s->shared_info[i], s->shared_info[i]);
	} else {
		for (int sig = 1; sig <= 64; sig++)
			if (s->shared_pending & (1ull << (sig - 1)))
				sys2(NR_kill, real_pid, sig);
	}
	jump(im->proc->main_entry_addr, m->uc);
}

/*
 * The thread table, part of the core: the table of the process's threads
 * (virtual TID as glibc caches it ↔ kernel TID now ↔ pthread_t), thread start
 * and exit, and the per-thread kernel state that the restorer must give back
 * to each thread: TLS base, clear_child_tid, robust futex list, rseq area, CPU
 * affinity, pending signals. The checkpoint's rendezvous (core.c) is built on
 * it, which is why it is not a plugin; it writes the THREADS section through
 * the same hook table as the plugins, first of all (order 10).
 */
#include "engine.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <asm/prctl.h>

/* glibc >= 2.35 publishes where each thread's rseq area is */
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));
#define RSEQ_SIG 0x53053053

static __thread int my_slot = -1;
static __thread int my_birth = -1;
static int births = 1;

__attribute__((constructor(110))) static void main_thread_birth(void) { my_birth = 0; }

int ckpt_threads_birth_of_self(void) { return my_birth; }
static struct ckpt_img_thread captured[CKPT_MAX_THREADS];

/*
 * A thread that a checkpoint caught between its creation and the trampoline
 * below (still in glibc's start_thread) was registered by the leader on its
 * behalf. When it reaches the trampoline, in this process or in one restored
 * from that snapshot, it takes that slot over: a second slot with its TID
 * would be the one it parks in, while the leader, looking the TID up, would
 * find the first and wait for it in vain. The slot's virtual TID stays: it is
 * the TID glibc cached, which a restored thread's new one is not.
 */
static int take_over(int tid, uint64_t pthread)
{
	for (int i = 0; i < CKPT_MAX_THREADS; i++) {
		if (!__atomic_load_n(&ckpt_rt.threads[i].used, __ATOMIC_ACQUIRE) || ckpt_rt.threads[i].tid != tid)
			continue;
		if (pthread)
			ckpt_rt.threads[i].pthread = pthread;
		if (tid == ckpt_real_tid())
			my_slot = i;
		return i;
	}
	return -1;
}

int ckpt_threads_register(int vtid, int tid, uint64_t pthread)
{
	int known = take_over(tid, pthread);
	if (known >= 0)
		return known;
	for (int i = 0; i < CKPT_MAX_THREADS; i++) {
		int32_t zero = 0;
		if (__atomic_compare_exchange_n(&ckpt_rt.threads[i].used, &zero, 1, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			ckpt_rt.threads[i].vtid = vtid;
			ckpt_rt.threads[i].tid = tid;
			ckpt_rt.threads[i].pthread = pthread;
			if (tid == ckpt_real_tid())
				my_slot = i;
			return i;
		}
	}
	return -1;
}

static void unregister_self(void)
{
	if (my_slot >= 0)
		__atomic_store_n(&ckpt_rt.threads[my_slot].used, 0, __ATOMIC_RELEASE);
	my_slot = -1;
}

int ckpt_threads_slot_of_self(void)
{
	if (my_slot >= 0 && ckpt_rt.threads[my_slot].used)
		return my_slot;
	int tid = ckpt_real_tid();
	for (int i = 0; i < CKPT_MAX_THREADS; i++)
		if (ckpt_rt.threads[i].used && ckpt_rt.threads[i].tid == tid)
			return my_slot = i;
	return -1;
}

int ckpt_threads_virtual_of_self(void)
{
	int s = ckpt_threads_slot_of_self();
	return s >= 0 ? ckpt_rt.threads[s].vtid : ckpt_real_tid();
}

int ckpt_threads_real_of_virtual(int vtid)
{
	for (int i = 0; i < CKPT_MAX_THREADS; i++)
		if (ckpt_rt.threads[i].used && ckpt_rt.threads[i].vtid == vtid)
			return ckpt_rt.threads[i].tid;
	return vtid;
}

int ckpt_threads_real_of_pthread(uint64_t pthread)
{
	for (int i = 0; i < CKPT_MAX_THREADS; i++)
		if (ckpt_rt.threads[i].used && ckpt_rt.threads[i].pthread == pthread)
			return ckpt_rt.threads[i].tid;
	return -1;
}

void ckpt_threads_reset_after_fork(void)
{
	int tid = ckpt_real_tid();
	for (int i = 0; i < CKPT_MAX_THREADS; i++)
		ckpt_rt.threads[i].used = 0;
	my_slot = -1;
	my_birth = 0;
	births = 1;
	ckpt_threads_register(tid, tid, (uint64_t)pthread_self());
}

/* Runs in the thread itself, inside the engine's signal handler. */
void ckpt_threads_capture(int slot, ucontext_t *uc)
{
	struct ckpt_img_thread *t = &captured[slot];
	__builtin_memset(t, 0, sizeof *t);
	t->slot = (uint32_t)slot;
	t->vtid = ckpt_rt.threads[slot].vtid;
	t->tid = ckpt_rt.threads[slot].tid;
	t->uc = (uint64_t)uc;
	t->is_main = t->vtid == ckpt_rt.vpid;
	SYS2(SYS_arch_prctl, ARCH_GET_FS, &t->fs_base);
	SYS2(SYS_prctl, PR_GET_TID_ADDRESS, &t->tid_address);
	size_t len = 0;
	SYS3(SYS_get_robust_list, 0, &t->robust_head, &len);
	t->robust_len = len;
	if (&__rseq_size && &__rseq_offset && __rseq_size) {
		t->rseq_addr = t->fs_base + (uint64_t)__rseq_offset;
		t->rseq_len = 32; /* glibc registers the original 32-byte struct rseq */
		t->rseq_sig = RSEQ_SIG;
	}
	SYS3(SYS_sched_getaffinity, 0, sizeof t->affinity, t->affinity);
	char status[4096];
	if (ckpt_read_file("/proc/thread-self/status", status, sizeof status) > 0)
		t->pending = ckpt_status_hex(status, "SigPnd") & ~(1ull << (ckpt_rt.ckpt_signal - 1));
	char comm[32];
	long n = ckpt_read_file("/proc/thread-self/comm", comm, sizeof comm);
	if (n > 0 && comm[n - 1] == '\n')
		comm[n - 1] = 0;
	ckpt_strlcpy(t->comm, n > 0 ? comm : "", sizeof t->comm);
	/* queued signals keep their siginfo (a sigqueue value, say): take them out
	 * to read it, and put them back in the same order */
	if (t->pending)
		t->npending_info = (uint32_t)ckpt_pending_requeue(t->pending, t->pending_info, 16, ckpt_rt.real_pid,
									  ckpt_real_tid());
}

int ckpt_threads_count_captured(void)
{
	int n = 0;
	for (int i = 0; i < CKPT_MAX_THREADS; i++)
		if (ckpt_rt.threads[i].used && ckpt_threads_slot_captured(i))
			n++;
	return n;
}

static int threads_checkpoint(struct ckpt_writer *w)
{
	if (ckpt_section_begin(w, CKPT_SEC_THREADS, 0) < 0)
		return -1;
	for (int i = 0; i < CKPT_MAX_THREADS; i++)
		if (ckpt_rt.threads[i].used && ckpt_threads_slot_captured(i))
			if (ckpt_section_write(w, &captured[i], sizeof captured[i]) < 0)
				return -1;
	return ckpt_section_end(w);
}

static const struct ckpt_plugin threads_plugin = {
	.name = "threads",
	.order = 10,
	.checkpoint = threads_checkpoint,
};
CKPT_PLUGIN(threads_plugin)

/* ---------- wrappers: thread start and exit ---------- */

struct start {
	void *(*fn)(void *);
	void *arg;
	int birth;
};

static void cleanup(void *unused)
{
	(void)unused;
	unregister_self();
}

static void *trampoline(void *p)
{
	struct start s = *(struct start *)p;
	free(p);
	my_birth = s.birth;
	/* glibc cached the kernel's TID for this new thread: that is its virtual TID */
	int tid = ckpt_real_tid();
	ckpt_threads_register(tid, tid, (uint64_t)pthread_self());
	void *ret;
	pthread_cleanup_push(cleanup, 0);
	ret = s.fn(s.arg);
	pthread_cleanup_pop(1);
	return ret;
}

CKPT_EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	if (!real)
		real = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))dlsym(RTLD_NEXT, "pthread_create");
	struct start *s = malloc(sizeof *s);
	if (!s)
		return real(th, attr, fn, arg);
	s->fn = fn;
	s->arg = arg;
	/* numbered by the creator, not as the new threads happen to run */
	s->birth = __atomic_fetch_add(&births, 1, __ATOMIC_RELAXED);
	int r = real(th, attr, trampoline, s);
	if (r)
		free(s);
	return r;
}

/*
 * pthread functions that glibc carries out with the TID it caches in the
 * thread's descriptor. After a restart that TID is the virtual one (mutex
 * owner fields hold it, so it must stay), and the kernel knows the thread by
 * another: sched_getaffinity, tgkill or /proc/self/task/<tid> would name a
 * thread that is gone, or another one.
 *
 * Affinity and CPU clocks are plain system calls and are made here with the
 * kernel's TID. The others (pthread_getattr_np, the scheduling calls,
 * pthread_cancel, pthread_setname_np, pthread_getname_np) keep glibc's own
 * logic: for the length of the call the descriptor holds the kernel's TID,
 * then the virtual one again. The switch back is a compare-and-swap, so that
 * a thread that exits meanwhile (the kernel then writes 0 there for its
 * joiners) keeps its 0. Before any restart the two TIDs are equal and the
 * real functions run untouched.
 */
#include "engine.h"
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>

/* where glibc keeps the TID inside its descriptor (pthread_t points at it):
 * the address the kernel clears at thread exit, from PR_GET_TID_ADDRESS */
static long tid_offset = -1;

static int32_t *tid_field(pthread_t th)
{
	if (tid_offset < 0) {
		uint64_t addr = 0;
		if (SYS2(SYS_prctl, PR_GET_TID_ADDRESS, &addr) < 0)
			return 0;
		long off = (long)(addr - (uint64_t)pthread_self());
		if (off <= 0 || off >= 4096)
			return 0;
		tid_offset = off;
	}
	return (int32_t *)((char *)th + tid_offset);
}

/* The kernel's TID of th, or -1 when it is not one of the engine's threads */
static int real_tid_of(pthread_t th) { return ckpt_threads_real_of_pthread((uint64_t)th); }

struct swap {
	int32_t *field;
	int32_t vtid, tid;
};

static struct swap swap_in(pthread_t th)
{
	struct swap s = { 0, 0, 0 };
	int real = real_tid_of(th);
	int32_t *f = real > 0 ? tid_field(th) : 0;
	if (!f)
		return s;
	int32_t v = __atomic_load_n(f, __ATOMIC_ACQUIRE);
	if (v == real || v <= 0 || !__atomic_compare_exchange_n(f, &v, real, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return s;
	s.field = f;
	s.vtid = v;
	s.tid = real;
	return s;
}

static void swap_out(struct swap s)
{
	if (s.field) {
		int32_t expect = s.tid;
		__atomic_compare_exchange_n(s.field, &expect, s.vtid, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	}
}

#define REAL(name, type) ((type)dlsym(RTLD_NEXT, name))

/* calls the real function with th's descriptor holding the kernel's TID */
#define WITH_KERNEL_TID(th, name, type, ...)                                   \
	do {                                                                   \
		static __typeof__(type) real_;                                 \
		if (!real_)                                                    \
			real_ = REAL(name, type);                              \
		struct swap s_ = swap_in(th);                                  \
		int r_ = real_(__VA_ARGS__);                                   \
		swap_out(s_);                                                  \
		return r_;                                                     \
	} while (0)

CKPT_EXPORT int pthread_getaffinity_np(pthread_t th, size_t size, cpu_set_t *set)
{
	int tid = real_tid_of(th);
	if (tid < 0)
		WITH_KERNEL_TID(th, "pthread_getaffinity_np", int (*)(pthread_t, size_t, cpu_set_t *), th, size, set);
	long n = SYS3(SYS_sched_getaffinity, tid, size, set);
	if (n < 0)
		return (int)-n;
	/* like glibc: the part the kernel did not fill is cleared */
	__builtin_memset((char *)set + n, 0, size - (size_t)n);
	return 0;
}

CKPT_EXPORT int pthread_setaffinity_np(pthread_t th, size_t size, const cpu_set_t *set)
{
	int tid = real_tid_of(th);
	if (tid < 0)
		WITH_KERNEL_TID(th, "pthread_setaffinity_np", int (*)(pthread_t, size_t, const cpu_set_t *), th, size, set);
	long r = SYS3(SYS_sched_setaffinity, tid, size, set);
	return r < 0 ? (int)-r : 0;
}

CKPT_EXPORT int pthread_getcpuclockid(pthread_t th, clockid_t *clock)
{
	int tid = real_tid_of(th);
	if (tid < 0)
		WITH_KERNEL_TID(th, "pthread_getcpuclockid", int (*)(pthread_t, clockid_t *), th, clock);
	/* the kernel's encoding of a thread's CPU-time clock (CPUCLOCK_SCHED,
	 * per thread). It names the thread's TID now: a value kept across a
	 * later restart names nobody, as a TID would. */
	*clock = (clockid_t)((~(unsigned)tid << 3) | 6u);
	return 0;
}

CKPT_EXPORT int pthread_getattr_np(pthread_t th, pthread_attr_t *attr)
{
	WITH_KERNEL_TID(th, "pthread_getattr_np", int (*)(pthread_t, pthread_attr_t *), th, attr);
}

CKPT_EXPORT int pthread_setschedparam(pthread_t th, int policy, const struct sched_param *p)
{
	WITH_KERNEL_TID(th, "pthread_setschedparam", int (*)(pthread_t, int, const struct sched_param *), th, policy, p);
}

CKPT_EXPORT int pthread_getschedparam(pthread_t th, int *policy, struct sched_param *p)
{
	WITH_KERNEL_TID(th, "pthread_getschedparam", int (*)(pthread_t, int *, struct sched_param *), th, policy, p);
}

CKPT_EXPORT int pthread_setschedprio(pthread_t th, int prio)
{
	WITH_KERNEL_TID(th, "pthread_setschedprio", int (*)(pthread_t, int), th, prio);
}

CKPT_EXPORT int pthread_cancel(pthread_t th)
{
	WITH_KERNEL_TID(th, "pthread_cancel", int (*)(pthread_t), th);
}

CKPT_EXPORT int pthread_setname_np(pthread_t th, const char *name)
{
	WITH_KERNEL_TID(th, "pthread_setname_np", int (*)(pthread_t, const char *), th, name);
}

CKPT_EXPORT int pthread_getname_np(pthread_t th, char *buf, size_t len)
{
	WITH_KERNEL_TID(th, "pthread_getname_np", int (*)(pthread_t, char *, size_t), th, buf, len);
}

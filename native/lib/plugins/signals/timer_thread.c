/*
 * POSIX timers that notify by calling a function in a new thread
 * (SIGEV_THREAD). glibc serves them with a helper thread of its own that
 * blocks every signal, the engine's included, so a process holding one could
 * never be stopped for a checkpoint. The engine serves them instead, the same
 * way: a helper thread (made with pthread_create, so it is one of the
 * program's threads, saved and restored with the others) waits for the
 * timers' signal; each kernel timer is an ordinary one aimed at that thread
 * (SIGEV_THREAD_ID), so the signals plugin saves and re-creates it with its
 * id, and glibc's timer_settime, timer_gettime and timer_getoverrun work on
 * that id as they are; each expiry starts a detached thread that calls the
 * function.
 */
#include "../../engine.h"
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

/* glibc's SIGTIMER: reserved to the C library, never the program's */
#define TIMER_SIGNAL 32
#define MAX_TIMERS 64

struct thread_timer {
	int used;
	int kernel_id;
	void (*fn)(union sigval);
	union sigval value;
	size_t stacksize; /* from sigev_notify_attributes (the caller keeps that
	                   * object, so only its stack size is copied); 0: default */
};

static struct thread_timer timers[MAX_TIMERS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t helper;
static volatile int helper_tid; /* the helper's kernel TID at start, 0 before */

struct call {
	void (*fn)(union sigval);
	union sigval value;
};

static void *run_call(void *arg)
{
	struct call c = *(struct call *)arg;
	free(arg);
	c.fn(c.value);
	return 0;
}

static void start_call(int slot)
{
	pthread_mutex_lock(&lock);
	struct thread_timer t = timers[slot];
	pthread_mutex_unlock(&lock);
	if (!t.used)
		return; /* deleted while its signal was on the way */
	struct call *c = malloc(sizeof *c);
	if (!c)
		return;
	c->fn = t.fn;
	c->value = t.value;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (t.stacksize)
		pthread_attr_setstacksize(&attr, t.stacksize);
	pthread_t th;
	if (pthread_create(&th, &attr, run_call, c))
		free(c);
	pthread_attr_destroy(&attr);
}

static void *helper_main(void *arg)
{
	(void)arg;
	uint64_t set = 1ull << (TIMER_SIGNAL - 1);
	/* raw: glibc's sigprocmask will not block its own signal */
	SYS4(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 8);
	__atomic_store_n(&helper_tid, ckpt_real_tid(), __ATOMIC_RELEASE);
	for (;;) {
		siginfo_t si;
		/* the engine's signal interrupts the wait (EINTR): wait again */
		if (SYS4(SYS_rt_sigtimedwait, &set, &si, 0, 8) != TIMER_SIGNAL)
			continue;
		if (si.si_code == SI_TIMER && si.si_value.sival_int >= 0 && si.si_value.sival_int < MAX_TIMERS)
			start_call(si.si_value.sival_int);
	}
	return 0;
}

static int helper_started(void)
{
	if (__atomic_load_n(&helper_tid, __ATOMIC_ACQUIRE))
		return 1;
	if (pthread_create(&helper, 0, helper_main, 0))
		return 0;
	while (!__atomic_load_n(&helper_tid, __ATOMIC_ACQUIRE))
		sched_yield();
	return 1;
}

static int (*real_timer_create)(clockid_t, struct sigevent *, timer_t *);
static int (*real_timer_delete)(timer_t);

static void forget_all(void)
{
	/* POSIX timers and threads do not pass to a child */
	__builtin_memset(timers, 0, sizeof timers);
	helper_tid = 0;
}

__attribute__((constructor(160))) static void resolve_real(void)
{
	real_timer_create = (int (*)(clockid_t, struct sigevent *, timer_t *))dlsym(RTLD_NEXT, "timer_create");
	real_timer_delete = (int (*)(timer_t))dlsym(RTLD_NEXT, "timer_delete");
	pthread_atfork(0, 0, forget_all);
}

CKPT_EXPORT int timer_create(clockid_t clock, struct sigevent *ev, timer_t *out)
{
	if (!ev || ev->sigev_notify != SIGEV_THREAD)
		return real_timer_create(clock, ev, out);
	pthread_mutex_lock(&lock);
	int slot = 0;
	while (slot < MAX_TIMERS && timers[slot].used)
		slot++;
	if (slot == MAX_TIMERS || !helper_started()) {
		pthread_mutex_unlock(&lock);
		errno = EAGAIN;
		return -1;
	}
	/* the helper's TID now: after a restart it is not the one it started with */
	int tid = ckpt_threads_real_of_pthread((uint64_t)helper);
	struct sigevent k;
	__builtin_memset(&k, 0, sizeof k);
	k.sigev_notify = SIGEV_THREAD_ID;
	k.sigev_signo = TIMER_SIGNAL;
	k.sigev_value.sival_int = slot;
	k._sigev_un._tid = tid > 0 ? tid : helper_tid;
	int id = -1;
	long r = SYS3(SYS_timer_create, clock, &k, &id);
	if (r < 0) {
		pthread_mutex_unlock(&lock);
		errno = (int)-r;
		return -1;
	}
	size_t stack = 0;
	if (ev->sigev_notify_attributes)
		pthread_attr_getstacksize(ev->sigev_notify_attributes, &stack);
	timers[slot] = (struct thread_timer){ 1, id, ev->sigev_notify_function, ev->sigev_value, stack };
	pthread_mutex_unlock(&lock);
	*out = (timer_t)(intptr_t)id;
	return 0;
}

CKPT_EXPORT int timer_delete(timer_t t)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_TIMERS; i++)
		if (timers[i].used && (intptr_t)timers[i].kernel_id == (intptr_t)t)
			timers[i].used = 0;
	pthread_mutex_unlock(&lock);
	return real_timer_delete(t);
}

/*
 * pthread functions that act on a thread by its kernel TID, after a restart
 * that gave every thread a new one: pthread_getattr_np (on the main thread,
 * as a JVM asks for its stack, and on another), affinity, a thread's CPU-time
 * clock, scheduling parameters, names, and pthread_cancel of a thread blocked
 * in read().
 */
#include "scenario.h"
#include <pthread.h>
#include <sched.h>

static int block_pipe[2];
static volatile int worker_spin = 1;

static void *spinner(void *arg)
{
	(void)arg;
	while (worker_spin)
		__asm__ volatile("" ::: "memory");
	return NULL;
}

static void *reader(void *arg)
{
	(void)arg;
	char c;
	for (;;)
		if (read(block_pipe[0], &c, 1) == 0) /* a cancellation point */
			return NULL;
}

static long long cpu_ns(clockid_t clk)
{
	struct timespec ts;
	if (clock_gettime(clk, &ts) != 0)
		return -1;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	CHECK(pipe(block_pipe) == 0, "pipe");
	pthread_t spin, rd;
	CHECK(pthread_create(&spin, NULL, spinner, NULL) == 0, "pthread_create spinner");
	CHECK(pthread_create(&rd, NULL, reader, NULL) == 0, "pthread_create reader");
	CHECK(pthread_setname_np(spin, "spinner") == 0, "pthread_setname_np before");

	scen_ready();
	scen_wait_go();

	pthread_attr_t attr;
	void *stack = NULL;
	size_t size = 0;
	int r = pthread_getattr_np(pthread_self(), &attr);
	EXPECT(r == 0, "pthread_getattr_np(main): %s", strerror(r));
	if (r == 0) {
		pthread_attr_getstack(&attr, &stack, &size);
		char here;
		EXPECT((char *)stack <= &here && &here < (char *)stack + size, "main stack %p+%zu does not hold %p",
		       stack, size, (void *)&here);
		pthread_attr_destroy(&attr);
	}
	r = pthread_getattr_np(spin, &attr);
	EXPECT(r == 0, "pthread_getattr_np(other): %s", strerror(r));
	if (r == 0)
		pthread_attr_destroy(&attr);

	cpu_set_t set, want;
	CPU_ZERO(&want);
	CHECK(sched_getaffinity(0, sizeof want, &want) == 0, "sched_getaffinity");
	r = pthread_getaffinity_np(spin, sizeof set, &set);
	EXPECT(r == 0 && CPU_EQUAL(&set, &want), "pthread_getaffinity_np: %s", strerror(r));
	r = pthread_setaffinity_np(spin, sizeof want, &want);
	EXPECT(r == 0, "pthread_setaffinity_np: %s", strerror(r));

	clockid_t clk;
	r = pthread_getcpuclockid(spin, &clk);
	EXPECT(r == 0, "pthread_getcpuclockid: %s", strerror(r));
	if (r == 0) {
		/* On a busy machine the spinning thread may wait its turn for a while:
		 * its clock must move within seconds, not within one short sleep. */
		long long a = cpu_ns(clk), b = a;
		for (int i = 0; i < 300 && b == a; i++) {
			scen_sleep_us(10000);
			b = cpu_ns(clk);
		}
		EXPECT(a >= 0 && b > a, "the spinning thread's CPU clock reads %lld then %lld", a, b);
	}

	int policy = -1;
	struct sched_param sp = { 0 };
	r = pthread_getschedparam(spin, &policy, &sp);
	EXPECT(r == 0 && policy == SCHED_OTHER, "pthread_getschedparam: %s, policy %d", strerror(r), policy);
	r = pthread_setschedparam(spin, SCHED_OTHER, &sp);
	EXPECT(r == 0, "pthread_setschedparam: %s", strerror(r));

	char name[16] = "";
	r = pthread_getname_np(spin, name, sizeof name);
	EXPECT(r == 0 && strcmp(name, "spinner") == 0, "pthread_getname_np: %s, \"%s\"", strerror(r), name);
	r = pthread_setname_np(spin, "renamed");
	EXPECT(r == 0, "pthread_setname_np: %s", strerror(r));
	r = pthread_getname_np(spin, name, sizeof name);
	EXPECT(r == 0 && strcmp(name, "renamed") == 0, "name after pthread_setname_np: \"%s\"", name);

	r = pthread_cancel(rd);
	EXPECT(r == 0, "pthread_cancel: %s", strerror(r));
	void *ret = NULL;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30;
	r = pthread_timedjoin_np(rd, &ret, &until);
	EXPECT(r == 0 && ret == PTHREAD_CANCELED, "the cancelled reader: join %s, %s", strerror(r),
	       ret == PTHREAD_CANCELED ? "cancelled" : "not cancelled");
	if (r != 0)
		close(block_pipe[1]);

	worker_spin = 0;
	pthread_join(spin, NULL);
	scen_finish();
	return 0;
}

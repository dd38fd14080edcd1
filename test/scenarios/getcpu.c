/*
 * sched_getcpu() right after the restart. glibc answers sched_getcpu() from
 * the thread's rseq area, which the kernel keeps current only while the area
 * is registered. Each thread (main and a second one) is pinned to the last
 * CPU before the checkpoint, then moved between CPUs after the restart, and
 * sched_getcpu() is compared with the getcpu system call: a registration
 * that did not survive the restart shows up as a stale CPU. Finally asking
 * the kernel to register the same area again must fail with EBUSY, which
 * proves the registration exists with the same area, size and signature.
 */
#include "scenario.h"
#include <pthread.h>
#include <sched.h>
#include <sys/rseq.h>
#include <sys/syscall.h>

static int ncpu;

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	CHECK(sched_setaffinity(0, sizeof set, &set) == 0, "pin to CPU %d: %s", cpu, strerror(errno));
}

static int kernel_cpu(void)
{
	unsigned cpu = ~0u;
	CHECK(syscall(SYS_getcpu, &cpu, NULL, NULL) == 0, "getcpu: %s", strerror(errno));
	return (int)cpu;
}

static void *thread_pointer(void)
{
	void *tp;
	__asm__("mov %%fs:0, %0" : "=r"(tp));
	return tp;
}

static void check_cpus(const char *who)
{
	int order[3] = { 0, ncpu - 1, 0 };
	for (int i = 0; i < 3; i++) {
		pin(order[i]);
		int k = kernel_cpu();
		int g = sched_getcpu();
		CHECK(k == order[i], "%s: kernel says CPU %d after pinning to %d", who, k, order[i]);
		CHECK(g == k, "%s: sched_getcpu() says %d, the kernel %d (stale rseq area?)", who, g, k);
	}
}

static void check_rseq(const char *who)
{
	if (__rseq_size == 0)
		return; /* glibc did not register rseq at all: nothing to keep */
	void *area = (char *)thread_pointer() + __rseq_offset;
	long rc = syscall(SYS_rseq, area, 32, 0, RSEQ_SIG);
	int err = errno;
	CHECK(rc != 0, "%s: rseq area was not registered after the restart", who);
	CHECK(err == EBUSY, "%s: registering the same rseq area again gave %s, want EBUSY "
	      "(registered with another area, size or signature?)", who, strerror(err));
}

static volatile int t_ready, t_go, t_done;
static char t_fail[512];

static void *worker(void *arg)
{
	(void)arg;
	pin(ncpu - 1);
	(void)sched_getcpu();
	t_ready = 1;
	while (!t_go)
		scen_sleep_us(1000);
	/* Checks in this thread report through main, so FAIL comes from one place. */
	int order[3] = { 0, ncpu - 1, 0 };
	for (int i = 0; i < 3 && !t_fail[0]; i++) {
		pin(order[i]);
		int k = kernel_cpu(), g = sched_getcpu();
		if (k != order[i] || g != k)
			snprintf(t_fail, sizeof t_fail, "thread: pinned to %d, kernel says %d, "
				 "sched_getcpu() %d", order[i], k, g);
	}
	if (!t_fail[0] && __rseq_size != 0) {
		void *area = (char *)thread_pointer() + __rseq_offset;
		long rc = syscall(SYS_rseq, area, 32, 0, RSEQ_SIG);
		if (rc == 0 || errno != EBUSY)
			snprintf(t_fail, sizeof t_fail, "thread: re-registering rseq gave %s",
				 rc == 0 ? "success (it was not registered)" : strerror(errno));
	}
	t_done = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	CHECK(ncpu >= 2, "needs at least 2 CPUs, has %d", ncpu);
	printf("rseq size %u offset %td\n", __rseq_size, __rseq_offset);
	pin(ncpu - 1);
	CHECK(sched_getcpu() == ncpu - 1, "sched_getcpu wrong before the checkpoint");
	pthread_t th;
	CHECK(pthread_create(&th, NULL, worker, NULL) == 0, "create");
	while (!t_ready)
		scen_sleep_us(1000);

	scen_ready();
	scen_wait_go();

	/* First thing after the restart: no other call that could refresh it. */
	int g = sched_getcpu(), k = kernel_cpu();
	CHECK(g == k, "main: first sched_getcpu() after restart says %d, the kernel %d", g, k);
	check_cpus("main");
	check_rseq("main");
	t_go = 1;
	CHECK(pthread_join(th, NULL) == 0, "join");
	CHECK(t_done, "thread did not finish");
	CHECK(!t_fail[0], "%s", t_fail);
	scen_pass();
}

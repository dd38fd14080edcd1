/*
 * Time through the vDSO. clock_gettime() and gettimeofday() are answered in
 * user space from the [vdso] and [vvar]/[vvar_vclock] pages; after a restart
 * they must read the new process's kernel data, not a stale copy of the old
 * one. Each clock read through the vDSO is compared with the same clock read
 * by a real system call at the same moment, in main and in a second thread.
 */
#include "scenario.h"
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/time.h>

static double secs(struct timespec t) { return (double)t.tv_sec + t.tv_nsec / 1e9; }

/* Returns a description of the first disagreement, or NULL. */
static const char *compare_clocks(char *buf, size_t n)
{
	static const clockid_t ids[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_MONOTONIC_COARSE };
	static const char *names[] = { "REALTIME", "MONOTONIC", "BOOTTIME", "MONOTONIC_COARSE" };
	for (int i = 0; i < 4; i++) {
		struct timespec v, s;
		if (clock_gettime(ids[i], &v) != 0)
			return snprintf(buf, n, "clock_gettime(%s) failed", names[i]), buf;
		syscall(SYS_clock_gettime, ids[i], &s);
		double d = secs(v) - secs(s);
		/* Two reads in a row: far less than a second apart on any machine. */
		if (d > 1.0 || d < -1.0)
			return snprintf(buf, n, "CLOCK_%s through the vDSO is %.3f s off the system call", names[i], d), buf;
	}
	struct timeval tv;
	gettimeofday(&tv, NULL);
	long sys = (long)syscall(SYS_time, NULL);
	if (tv.tv_sec < sys - 2 || tv.tv_sec > sys + 2)
		return snprintf(buf, n, "gettimeofday says %ld, time() %ld", (long)tv.tv_sec, sys), buf;
	return NULL;
}

static volatile int t_go, t_done;
static char t_fail[256];

static void *worker(void *arg)
{
	(void)arg;
	while (!t_go)
		scen_sleep_us(1000);
	const char *f = compare_clocks(t_fail, sizeof t_fail);
	if (!f)
		t_fail[0] = 0;
	t_done = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	char why[256];
	const char *f = compare_clocks(why, sizeof why);
	CHECK(!f, "before the checkpoint: %s", why);
	struct timespec before;
	clock_gettime(CLOCK_MONOTONIC, &before);
	pthread_t th;
	CHECK(pthread_create(&th, NULL, worker, NULL) == 0, "create");

	scen_ready();
	scen_wait_go();

	f = compare_clocks(why, sizeof why);
	EXPECT(!f, "main: %s", why);
	struct timespec after;
	clock_gettime(CLOCK_MONOTONIC, &after);
	EXPECT(secs(after) >= secs(before), "CLOCK_MONOTONIC went back across the restart");
	t_go = 1;
	CHECK(pthread_join(th, NULL) == 0 && t_done, "join");
	EXPECT(!t_fail[0], "thread: %s", t_fail);
	scen_finish();
}

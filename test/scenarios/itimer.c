/*
 * Interval timers: ITIMER_REAL every 20 ms (SIGALRM) and ITIMER_PROF every
 * 10 ms of CPU time (SIGPROF). After the restart both must still be armed
 * with their intervals and must fire again.
 */
#include "scenario.h"
#include <signal.h>
#include <sys/time.h>

static volatile sig_atomic_t alrm, prof;
static void on_alrm(int sig) { (void)sig; alrm++; }
static void on_prof(int sig) { (void)sig; prof++; }

static void spin_until(volatile sig_atomic_t *counter, int target, const char *what)
{
	/* Burn CPU (SIGPROF needs it) and wait, with a generous bound. */
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (*counter < target) {
		for (volatile int i = 0; i < 100000; i++)
			;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 60)
			scen_fail("%s: %d ticks after 60 s, want %d", what, (int)*counter, target);
	}
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	struct sigaction sa = { 0 };
	sa.sa_handler = on_alrm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_prof;
	sigaction(SIGPROF, &sa, NULL);

	struct itimerval real = { { 0, 20000 }, { 0, 20000 } };
	struct itimerval pr = { { 0, 10000 }, { 0, 10000 } };
	CHECK(setitimer(ITIMER_REAL, &real, NULL) == 0, "setitimer REAL");
	CHECK(setitimer(ITIMER_PROF, &pr, NULL) == 0, "setitimer PROF");
	spin_until(&alrm, 3, "SIGALRM before checkpoint");
	spin_until(&prof, 3, "SIGPROF before checkpoint");

	scen_ready();
	scen_wait_go();

	struct itimerval cur;
	CHECK(getitimer(ITIMER_REAL, &cur) == 0, "getitimer REAL");
	CHECK(cur.it_interval.tv_sec == 0 && cur.it_interval.tv_usec == 20000,
	      "ITIMER_REAL interval %ld.%06ld, want 0.020000",
	      (long)cur.it_interval.tv_sec, (long)cur.it_interval.tv_usec);
	CHECK(cur.it_value.tv_sec != 0 || cur.it_value.tv_usec != 0, "ITIMER_REAL disarmed");
	CHECK(getitimer(ITIMER_PROF, &cur) == 0, "getitimer PROF");
	CHECK(cur.it_interval.tv_sec == 0 && cur.it_interval.tv_usec == 10000,
	      "ITIMER_PROF interval %ld.%06ld, want 0.010000",
	      (long)cur.it_interval.tv_sec, (long)cur.it_interval.tv_usec);
	CHECK(cur.it_value.tv_sec != 0 || cur.it_value.tv_usec != 0, "ITIMER_PROF disarmed");

	int a = alrm, p = prof;
	spin_until(&alrm, a + 3, "SIGALRM after restart");
	spin_until(&prof, p + 3, "SIGPROF after restart");
	printf("SIGALRM %d, SIGPROF %d\n", (int)alrm, (int)prof);
	scen_pass();
}

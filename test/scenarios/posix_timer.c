/*
 * A POSIX timer (timer_create on CLOCK_MONOTONIC, every 25 ms, real-time
 * signal carrying a value). After the restart the same timer id must still be
 * armed with its interval, fire with its value, and be deletable.
 */
#include "scenario.h"
#include <signal.h>

#define SIG (SIGRTMIN + 1)

static volatile sig_atomic_t fired;
static volatile int last_value;
static void on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	last_value = si->si_value.sival_int;
	fired++;
}

static void wait_fired(int target, const char *what)
{
	for (int i = 0; fired < target; i++) {
		if (i > 60000)
			scen_fail("%s: fired %d times after 60 s, want %d", what, (int)fired, target);
		scen_sleep_us(1000);
	}
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	struct sigaction sa = { 0 };
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIG, &sa, NULL);

	struct sigevent ev = { 0 };
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIG;
	ev.sigev_value.sival_int = 77;
	timer_t t;
	CHECK(timer_create(CLOCK_MONOTONIC, &ev, &t) == 0, "timer_create: %s", strerror(errno));
	struct itimerspec its = { { 0, 25000000 }, { 0, 25000000 } };
	CHECK(timer_settime(t, 0, &its, NULL) == 0, "timer_settime");
	wait_fired(3, "before checkpoint");

	scen_ready();
	scen_wait_go();

	struct itimerspec cur;
	CHECK(timer_gettime(t, &cur) == 0, "timer_gettime on the saved id: %s", strerror(errno));
	CHECK(cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 25000000,
	      "interval %ld.%09ld, want 0.025", (long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec);
	CHECK(cur.it_value.tv_sec != 0 || cur.it_value.tv_nsec != 0, "timer disarmed");
	last_value = 0;
	int f = fired;
	wait_fired(f + 3, "after restart");
	CHECK(last_value == 77, "signal value %d, want 77", last_value);
	CHECK(timer_delete(t) == 0, "timer_delete: %s", strerror(errno));
	scen_pass();
}

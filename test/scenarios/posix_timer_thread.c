/*
 * A POSIX timer that notifies by running a function in a new thread
 * (SIGEV_THREAD): glibc keeps a helper thread waiting for the kernel's signal
 * and starts a thread for each expiry. After the restart the same timer id
 * must still be armed and keep calling the function with its value.
 */
#include "scenario.h"
#include <signal.h>

static volatile int fired;
static volatile int last_value;

static void on_timer(union sigval v)
{
	last_value = v.sival_int;
	__atomic_add_fetch(&fired, 1, __ATOMIC_SEQ_CST);
}

static void wait_fired(int target, const char *what)
{
	for (int i = 0; __atomic_load_n(&fired, __ATOMIC_SEQ_CST) < target; i++) {
		if (i > 60000)
			scen_fail("%s: fired %d times after 60 s, want %d", what, (int)fired, target);
		scen_sleep_us(1000);
	}
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	struct sigevent ev = { 0 };
	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_notify_function = on_timer;
	ev.sigev_value.sival_int = 91;
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
	last_value = 0;
	int f = fired;
	wait_fired(f + 3, "after restart");
	CHECK(last_value == 91, "value %d, want 91", last_value);
	CHECK(timer_delete(t) == 0, "timer_delete: %s", strerror(errno));
	scen_pass();
}

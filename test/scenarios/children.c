/*
 * Children and wait(): one child has exited before the checkpoint and is not
 * reaped (a zombie in the snapshot), another is still running and exits after
 * the restart. The restored parent must reap both with their own statuses and
 * their virtual PIDs, and its process group must be its own again.
 */
#include "scenario.h"
#include <sys/wait.h>

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	fflush(stdout);
	pid_t early = fork();
	CHECK(early >= 0, "fork");
	if (early == 0)
		_exit(42);
	pid_t late = fork();
	CHECK(late >= 0, "fork");
	if (late == 0) {
		while (!scen_go())
			scen_sleep_us(10000);
		_exit(7);
	}
	CHECK(setpgid(0, 0) == 0, "setpgid");
	/* the early child has exited; leave it unreaped */
	siginfo_t si;
	do {
		memset(&si, 0, sizeof si);
		CHECK(waitid(P_PID, (id_t)early, &si, WEXITED | WNOWAIT) == 0, "waitid");
	} while (si.si_pid == 0);
	scen_ready();
	scen_wait_go();

	int st = 0;
	pid_t got = waitpid(early, &st, 0);
	EXPECT(got == early, "waitpid(early) gave %d, want %d", (int)got, (int)early);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 42, "early child status %#x, want exit 42", st);
	got = waitpid(late, &st, 0);
	EXPECT(got == late, "waitpid(late) gave %d, want %d", (int)got, (int)late);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 7, "late child status %#x, want exit 7", st);
	EXPECT(getpgid(0) == getpid(), "process group %d, want its own %d", (int)getpgid(0), (int)getpid());
	EXPECT(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD, "a child too many");
	scen_finish();
	return 0;
}

/*
 * A pidfd on a child (what newer asyncio and service managers wait with):
 * after the restart it names the same child under its new real PID. poll()
 * says nothing until the child exits, then says it has, and waitid(P_PIDFD)
 * reaps it with its status.
 */
#define _GNU_SOURCE
#include "scenario.h"
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	fflush(stdout);
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	pid_t child = fork();
	CHECK(child >= 0, "fork");
	if (child == 0) {
		char c;
		/* exits when the parent says so, after the restart */
		_exit(read(p[0], &c, 1) == 1 ? 33 : 1);
	}
	int pfd = (int)syscall(SYS_pidfd_open, child, 0);
	CHECK(pfd >= 0, "pidfd_open: %s", strerror(errno));
	scen_ready();
	scen_wait_go();

	struct pollfd q = { .fd = pfd, .events = POLLIN };
	EXPECT(poll(&q, 1, 100) == 0, "the pidfd says the child ended while it runs");
	CHECK(write(p[1], "x", 1) == 1, "tell the child");
	EXPECT(poll(&q, 1, 30000) == 1 && (q.revents & POLLIN), "the pidfd did not say the child ended");
	siginfo_t si;
	memset(&si, 0, sizeof si);
	EXPECT(waitid(P_PIDFD, (id_t)pfd, &si, WEXITED) == 0, "waitid(P_PIDFD): %s", strerror(errno));
	EXPECT(si.si_code == CLD_EXITED && si.si_status == 33 && si.si_pid == child,
	       "waitid: pid %d code %d status %d, want %d exited 33", (int)si.si_pid, si.si_code, si.si_status, (int)child);
	scen_finish();
	return 0;
}

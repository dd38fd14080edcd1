/*
 * Waits blocked on one child at the checkpoint: a thread in waitpid(child),
 * the main thread in waitid(P_PID, other child). After the restart the
 * children have new real PIDs; both waits must still reap their own child
 * with its status (a compiler driver waiting for its compiler, asyncio's
 * child watcher threads).
 */
#include "scenario.h"
#include <pthread.h>
#include <sys/wait.h>

static pid_t first, second;
static int first_status = -1;
static pid_t first_got;

static void *waiter(void *arg)
{
	(void)arg;
	int st = 0;
	first_got = waitpid(first, &st, 0);
	first_status = st;
	return NULL;
}

static pid_t child(int code)
{
	pid_t p = fork();
	CHECK(p >= 0, "fork");
	if (p == 0) {
		while (!scen_go())
			scen_sleep_us(10000);
		_exit(code);
	}
	return p;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	fflush(stdout);
	first = child(21);
	second = child(22);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, waiter, NULL) == 0, "pthread_create");
	scen_ready();
	/* blocked until the children exit, which is after the restart */
	siginfo_t si;
	memset(&si, 0, sizeof si);
	int r = waitid(P_PID, (id_t)second, &si, WEXITED);
	EXPECT(r == 0, "waitid(second): %s", strerror(errno));
	EXPECT(si.si_pid == second && si.si_code == CLD_EXITED && si.si_status == 22,
	       "waitid(second): pid %d code %d status %d, want %d exited 22", (int)si.si_pid, si.si_code, si.si_status,
	       (int)second);
	pthread_join(t, NULL);
	EXPECT(first_got == first, "waitpid(first) in a thread gave %d (%s), want %d", (int)first_got,
	       first_got < 0 ? "error" : "another", (int)first);
	EXPECT(WIFEXITED(first_status) && WEXITSTATUS(first_status) == 21, "first child's status %#x, want exit 21",
	       first_status);
	scen_finish();
	return 0;
}

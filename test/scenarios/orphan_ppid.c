/*
 * getppid() and a parent's death: a child whose parent is alive reports the
 * parent's (virtual) PID before and after the restart; a grandchild whose
 * parent has exited reports whoever adopted it, as the kernel says (workers
 * poll getppid() to notice that their parent is gone); a child forked after
 * the restart can signal its parent and read /proc/<parent>.
 */
#include "scenario.h"
#include <sys/syscall.h>
#include <sys/wait.h>

/* the kernel's answer, past the engine's wrappers */
static long raw_getppid(void)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
	return r;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	fflush(stdout);
	pid_t me = getpid();
	pid_t child = fork();
	CHECK(child >= 0, "fork");
	if (child == 0) {
		pid_t middle = getpid();
		if (fork() == 0) {
			/* the orphan-to-be: waits until its parent is gone */
			while (getppid() == middle)
				scen_sleep_us(1000);
			scen_wait_go();
			char line[128];
			int n = snprintf(line, sizeof line, "%d %d %ld\n", (int)middle, (int)getppid(), raw_getppid());
			if (write(p[1], line, (size_t)n) != n)
				_exit(3);
			_exit(0);
		}
		_exit(0);
	}
	int st;
	CHECK(waitpid(child, &st, 0) == child, "waitpid(middle)");
	pid_t second = fork();
	CHECK(second >= 0, "fork");
	if (second == 0) {
		scen_wait_go();
		_exit(getppid() == me ? 0 : 4);
	}
	scen_sleep_us(100000);
	scen_ready();
	scen_wait_go();

	char line[128] = "";
	ssize_t n = read(p[0], line, sizeof line - 1);
	CHECK(n > 0, "no report from the orphan");
	line[n] = 0;
	int dead = 0, said = 0;
	long kernel = 0;
	CHECK(sscanf(line, "%d %d %ld", &dead, &said, &kernel) == 3, "report '%s'", line);
	EXPECT(said != dead, "the orphan's getppid() still names its dead parent %d", dead);
	EXPECT(said == kernel, "the orphan's getppid() %d, the kernel says %ld", said, kernel);
	EXPECT(waitpid(second, &st, 0) == second && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "a live child's getppid() is not its parent's PID after the restart (status %#x)", st);
	/* a child forked after the restart names its parent to the kernel */
	pid_t third = fork();
	CHECK(third >= 0, "fork");
	if (third == 0) {
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/%d/comm", (int)getppid());
		_exit(getppid() != me ? 5 : kill(getppid(), 0) != 0 ? 6 : access(proc, R_OK) != 0 ? 7 : 0);
	}
	EXPECT(waitpid(third, &st, 0) == third && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "a child forked after the restart cannot reach its parent: getppid, kill(ppid, 0), /proc/ppid (status %#x)", st);
	scen_finish();
	return 0;
}

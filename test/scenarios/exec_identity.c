/*
 * PIDs across exec after a restart: after the restart the kernel's PIDs are
 * new, but a program exec'd by a process of the computation must see the ids
 * the others know. Four ways of starting a program after the restart: a child
 * forked before the checkpoint execs; a child forked after it execs;
 * posix_spawn; system(). Each started program reports its getpid() and
 * getppid() over a pipe, and the parent checks them against what fork(),
 * posix_spawn() and its own getpid() told it.
 */
#include "scenario.h"
#include <limits.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

static char self[PATH_MAX];
static char fdarg[16];

/* the started program's side: "PID PPID\n" on the fd it was given */
static int report(const char *fd)
{
	char line[64];
	int n = snprintf(line, sizeof line, "%d %d\n", (int)getpid(), (int)getppid());
	return write(atoi(fd), line, (size_t)n) == n ? 0 : 3;
}

static void read_report(int fd, const char *what, int *pid, int *ppid)
{
	char line[64];
	size_t n = 0;
	while (n + 1 < sizeof line) {
		ssize_t r = read(fd, line + n, 1);
		CHECK(r == 1, "%s: no report (read gave %zd)", what, r);
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = 0;
	CHECK(sscanf(line, "%d %d", pid, ppid) == 2, "%s: report '%s'", what, line);
}

static void reap(pid_t pid, const char *what)
{
	int st = 0;
	pid_t got = waitpid(pid, &st, 0);
	EXPECT(got == pid, "%s: waitpid gave %d, want %d", what, (int)got, (int)pid);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: status %#x", what, st);
}

static void exec_self(void)
{
	execl(self, self, "--report", fdarg, (char *)NULL);
	_exit(127);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--report") == 0)
		return report(argv[2]);
	scen_init(argc, argv);
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	CHECK(len > 0, "readlink /proc/self/exe");
	self[len] = 0;
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	snprintf(fdarg, sizeof fdarg, "%d", p[1]);
	fflush(stdout);
	pid_t early = fork();
	CHECK(early >= 0, "fork");
	if (early == 0) {
		scen_wait_go();
		exec_self();
	}
	scen_ready();
	scen_wait_go();
	int me = (int)getpid(), pid = 0, ppid = 0;

	read_report(p[0], "child forked before the checkpoint", &pid, &ppid);
	EXPECT(pid == early, "exec'd child forked before the checkpoint: getpid %d, fork gave %d", pid, (int)early);
	EXPECT(ppid == me, "exec'd child forked before the checkpoint: getppid %d, parent is %d", ppid, me);
	reap(early, "child forked before the checkpoint");

	pid_t late = fork();
	CHECK(late >= 0, "fork");
	if (late == 0)
		exec_self();
	read_report(p[0], "child forked after the restart", &pid, &ppid);
	EXPECT(pid == late, "exec'd child forked after the restart: getpid %d, fork gave %d", pid, (int)late);
	EXPECT(ppid == me, "exec'd child forked after the restart: getppid %d, parent is %d", ppid, me);
	reap(late, "child forked after the restart");

	pid_t spawned = 0;
	char *args[] = { self, "--report", fdarg, NULL };
	CHECK(posix_spawn(&spawned, self, NULL, NULL, args, environ) == 0, "posix_spawn");
	read_report(p[0], "posix_spawn", &pid, &ppid);
	EXPECT(pid == spawned, "posix_spawn'd program: getpid %d, posix_spawn gave %d", pid, (int)spawned);
	EXPECT(ppid == me, "posix_spawn'd program: getppid %d, parent is %d", ppid, me);
	reap(spawned, "posix_spawn");

	/* the shell replaces itself with the program: its parent is this process */
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof cmd, "exec '%s' --report %s", self, fdarg);
	int st = system(cmd);
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "system: status %#x", st);
	read_report(p[0], "system", &pid, &ppid);
	EXPECT(ppid == me, "program run by system(): getppid %d, parent is %d", ppid, me);
	scen_finish();
	return 0;
}

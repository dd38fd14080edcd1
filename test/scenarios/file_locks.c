/*
 * File locks across a restart: the parent holds an flock on one file and a
 * POSIX record lock on part of another; its child has its own descriptions
 * of both files and finds them locked. After the restart the child must
 * still find both locked until the parent lets them go, and then get them.
 */
#include "scenario.h"
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/wait.h>

static int posix_try(int fd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = 100, .l_len = 50 };
	return fcntl(fd, F_SETLK, &fl);
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	char a[PATH_MAX], b[PATH_MAX];
	snprintf(a, sizeof a, "%s/flocked", scen_workdir);
	snprintf(b, sizeof b, "%s/ranged", scen_workdir);
	int fa = open(a, O_RDWR | O_CREAT, 0644), fb = open(b, O_RDWR | O_CREAT, 0644);
	CHECK(fa >= 0 && fb >= 0, "open");
	CHECK(flock(fa, LOCK_EX) == 0, "flock");
	CHECK(posix_try(fb, F_WRLCK) == 0, "fcntl F_SETLK");
	int done[2];
	CHECK(pipe(done) == 0, "pipe");
	fflush(stdout);
	pid_t child = fork();
	CHECK(child >= 0, "fork");
	if (child == 0) {
		close(fa);
		close(fb);
		int ca = open(a, O_RDWR), cb = open(b, O_RDWR);
		scen_wait_go();
		/* still the parent's */
		if (flock(ca, LOCK_EX | LOCK_NB) == 0)
			_exit(10);
		if (posix_try(cb, F_WRLCK) == 0)
			_exit(11);
		if (write(done[1], "x", 1) != 1)
			_exit(12);
		/* now the parent lets go: both can be had */
		if (flock(ca, LOCK_EX) != 0)
			_exit(13);
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 50 };
		if (fcntl(cb, F_SETLKW, &fl) != 0)
			_exit(14);
		_exit(0);
	}
	scen_ready();
	scen_wait_go();
	char c;
	CHECK(read(done[0], &c, 1) == 1, "the child's word");
	CHECK(flock(fa, LOCK_UN) == 0, "unlock flock");
	CHECK(posix_try(fb, F_UNLCK) == 0, "unlock range");
	int st = 0;
	CHECK(waitpid(child, &st, 0) == child, "waitpid");
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child's check failed with %d (10/11: a lock was free after the restart)",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	scen_finish();
	return 0;
}

/*
 * Two processes joined by a pipe, with the pipe full at checkpoint time: the
 * child writes numbered records faster than the parent reads them, so it is
 * blocked in write() with data in flight. After the restart the parent must
 * read every record exactly once and in order, up to the child's `end`, and
 * reap the child with status 0; the child must still see its parent.
 */
#include "scenario.h"
#include <sys/wait.h>

#define REC 16

static void child(int w, pid_t parent)
{
	char rec[REC + 1];
	for (unsigned long n = 0;; n++) {
		if (getppid() != parent) {
			snprintf(rec, sizeof rec, "ppid-lost %5d\n", (int)getppid());
			(void)!write(w, rec, REC);
			_exit(3);
		}
		int stop = n % 64 == 0 && scen_go();
		snprintf(rec, sizeof rec, stop ? "end %011lu\n" : "rec %011lu\n", n);
		if (write(w, rec, REC) != REC)
			_exit(2);
		if (stop)
			_exit(0);
	}
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	fflush(stdout);
	pid_t parent = getpid();
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		close(p[0]);
		child(p[1], parent);
	}
	close(p[1]);

	char rec[REC + 1], want[REC + 1];
	rec[REC] = 0;
	unsigned long n = 0;
	for (;; n++) {
		ssize_t got = 0;
		while (got < REC) {
			ssize_t r = read(p[0], rec + got, REC - got);
			CHECK(r > 0, "read of record %lu gave %zd", n, r);
			got += r;
		}
		if (!strncmp(rec, "end ", 4))
			break;
		snprintf(want, sizeof want, "rec %011lu\n", n);
		CHECK(!strcmp(rec, want), "record %lu reads \"%.15s\"", n, rec);
		if (n == 10000)
			scen_ready(); /* by now the pipe has filled up */
		if (n >= 10000)
			scen_sleep_us(50); /* slower than the child: the pipe stays full */
	}
	snprintf(want, sizeof want, "end %011lu\n", n);
	CHECK(!strcmp(rec, want), "the end record reads \"%.15s\", want record %lu", rec, n);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	printf("records %lu\n", n);
	scen_pass();
}

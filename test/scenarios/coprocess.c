/*
 * A child that runs another program: the parent forks, the child execs
 * /bin/cat with its stdin and stdout on two pipes, and the parent keeps
 * sending numbered lines through cat and reading them back. cat's own stdio
 * are pipes inside the computation, not the terminal. After the restart the
 * conversation goes on line for line, and cat ends with status 0 when its
 * input is closed.
 */
#include "scenario.h"
#include <sys/wait.h>

static void converse(FILE *to, FILE *from, unsigned long n)
{
	char want[64], got[64];
	snprintf(want, sizeof want, "line %lu through cat\n", n);
	CHECK(fputs(want, to) >= 0 && fflush(to) == 0, "write line %lu: %s", n, strerror(errno));
	CHECK(fgets(got, sizeof got, from) != NULL, "cat gave no line %lu back (%s)", n,
	      feof(from) ? "end of file" : strerror(errno));
	CHECK(!strcmp(got, want), "cat gave \"%.40s\" for line %lu", got, n);
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	int down[2], up[2];
	CHECK(pipe(down) == 0 && pipe(up) == 0, "pipe");
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		dup2(down[0], 0);
		dup2(up[1], 1);
		close(down[0]); close(down[1]); close(up[0]); close(up[1]);
		execl("/bin/cat", "cat", (char *)NULL);
		_exit(127);
	}
	close(down[0]);
	close(up[1]);
	FILE *to = fdopen(down[1], "w"), *from = fdopen(up[0], "r");
	CHECK(to && from, "fdopen");

	unsigned long n = 0;
	for (; n < 100; n++)
		converse(to, from, n);
	scen_ready();
	while (!scen_go()) {
		converse(to, from, n++);
		scen_sleep_us(1000);
	}
	for (unsigned long end = n + 100; n < end; n++)
		converse(to, from, n);
	fclose(to);
	char extra[64];
	CHECK(fgets(extra, sizeof extra, from) == NULL && feof(from), "cat wrote more than it was sent");
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "cat ended with status %#x", status);
	printf("lines %lu\n", n);
	scen_pass();
}

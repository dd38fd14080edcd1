/*
 * A pseudo-terminal pair the program made (as script and expect do): the
 * parent holds the master, its child the slave with echo turned off. After
 * the restart the pair is a new one, and it still carries lines both ways,
 * with echo still off; a line the child wrote before the snapshot that the
 * parent had not read yet is there, with its bytes as they were ("\r\n").
 */
#define _GNU_SOURCE
#include "scenario.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

static int read_line(int fd, char *buf, size_t n)
{
	size_t len = 0;
	while (len + 1 < n) {
		ssize_t r = read(fd, buf + len, 1);
		if (r <= 0)
			return -1;
		if (buf[len] == '\r')
			continue;
		if (buf[len] == '\n')
			break;
		len++;
	}
	buf[len] = 0;
	return (int)len;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0, "posix_openpt");
	int s = open(ptsname(m), O_RDWR | O_NOCTTY);
	CHECK(s >= 0, "open the slave");
	struct termios t;
	CHECK(tcgetattr(s, &t) == 0, "tcgetattr");
	t.c_lflag &= ~(tcflag_t)ECHO;
	CHECK(tcsetattr(s, TCSANOW, &t) == 0, "tcsetattr");
	fflush(stdout);
	pid_t child = fork();
	CHECK(child >= 0, "fork");
	if (child == 0) {
		close(m);
		dprintf(s, "written before the snapshot\n");
		scen_wait_go();
		struct termios now;
		if (tcgetattr(s, &now) != 0 || (now.c_lflag & ECHO))
			_exit(20);
		if (!isatty(s))
			_exit(21);
		dprintf(s, "from the child\n");
		char line[64];
		if (read_line(s, line, sizeof line) < 0 || strcmp(line, "from the parent"))
			_exit(22);
		_exit(0);
	}
	close(s);
	const char early[] = "written before the snapshot\r\n";
	for (int waiting = 0; waiting < (int)sizeof early - 1;)
		CHECK(ioctl(m, FIONREAD, &waiting) == 0, "FIONREAD");
	scen_ready();
	scen_wait_go();
	char got[sizeof early] = "";
	struct pollfd pm = { m, POLLIN, 0 };
	CHECK(poll(&pm, 1, 5000) == 1, "the line waiting at the snapshot is gone");
	EXPECT(read(m, got, sizeof early - 1) == sizeof early - 1 && !memcmp(got, early, sizeof early - 1),
	       "the line waiting at the snapshot: \"%s\"", got);
	char line[64] = "";
	EXPECT(read_line(m, line, sizeof line) >= 0 && !strcmp(line, "from the child"), "master read \"%s\"", line);
	CHECK(write(m, "from the parent\n", 16) == 16, "write to the master");
	int st = 0;
	CHECK(waitpid(child, &st, 0) == child, "waitpid");
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child's side failed with %d (20: echo, 21: not a tty, 22: read)",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	scen_finish();
	return 0;
}

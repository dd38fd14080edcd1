/*
 * A pipe inside one process with data in flight: 10000 bytes written, 3000
 * read before the checkpoint. After the restart the other 7000 must come out
 * in order, the non-blocking flag set on the read end must still be set (an
 * empty pipe answers EAGAIN), and the pipe must still carry new data.
 */
#include "scenario.h"
#include <fcntl.h>

#define TOTAL 10000
#define FIRST 3000

static char byte_at(int i) { return (char)(i * 31 + 7); }

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	char buf[TOTAL];
	for (int i = 0; i < TOTAL; i++)
		buf[i] = byte_at(i);
	CHECK(write(p[1], buf, TOTAL) == TOTAL, "write");
	CHECK(read(p[0], buf, FIRST) == FIRST, "first read");
	for (int i = 0; i < FIRST; i++)
		CHECK(buf[i] == byte_at(i), "byte %d before the checkpoint", i);
	CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0, "O_NONBLOCK");

	scen_ready();
	scen_wait_go();

	CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK, "the read end lost O_NONBLOCK");
	int got = 0;
	while (got < TOTAL - FIRST) {
		ssize_t r = read(p[0], buf + got, TOTAL - FIRST - got);
		CHECK(r > 0, "read after restart gave %zd (%s) with %d of %d bytes read", r,
		      r < 0 ? strerror(errno) : "end of file", got, TOTAL - FIRST);
		got += (int)r;
	}
	for (int i = 0; i < TOTAL - FIRST; i++)
		CHECK(buf[i] == byte_at(FIRST + i), "byte %d after restart", FIRST + i);
	ssize_t r = read(p[0], buf, 1);
	CHECK(r == -1 && errno == EAGAIN, "empty pipe read gave %zd (%s), want EAGAIN", r, strerror(errno));
	CHECK(write(p[1], "again", 5) == 5, "write after restart");
	CHECK(read(p[0], buf, 5) == 5 && !memcmp(buf, "again", 5), "new data through the pipe");
	scen_pass();
}

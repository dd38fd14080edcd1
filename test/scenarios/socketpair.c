/*
 * Unix socket pairs inside one process with data in flight: a stream pair
 * with unread bytes in both directions, and a datagram pair with three queued
 * datagrams whose boundaries must survive. After the restart everything must
 * come out as sent, and both pairs must still carry new data.
 */
#include "scenario.h"
#include <sys/socket.h>

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	int st[2], dg[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, st) == 0, "socketpair stream");
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) == 0, "socketpair dgram");
	CHECK(send(st[1], "to-zero", 7, 0) == 7 && send(st[0], "to-one!!", 8, 0) == 8, "stream send");
	CHECK(send(dg[1], "a", 1, 0) == 1 && send(dg[1], "bb", 2, 0) == 2 && send(dg[1], "ccc", 3, 0) == 3,
	      "dgram send");

	scen_ready();
	scen_wait_go();

	char buf[32] = "";
	ssize_t n = recv(st[0], buf, sizeof buf, MSG_DONTWAIT);
	EXPECT(n == 7 && !memcmp(buf, "to-zero", 7), "stream end 0 got %zd bytes \"%.*s\"", n, (int)(n > 0 ? n : 0), buf);
	n = recv(st[1], buf, sizeof buf, MSG_DONTWAIT);
	EXPECT(n == 8 && !memcmp(buf, "to-one!!", 8), "stream end 1 got %zd bytes \"%.*s\"", n, (int)(n > 0 ? n : 0), buf);
	const char *want[3] = { "a", "bb", "ccc" };
	for (int i = 0; i < 3; i++) {
		n = recv(dg[0], buf, sizeof buf, MSG_DONTWAIT);
		EXPECT(n == (ssize_t)strlen(want[i]) && !memcmp(buf, want[i], n > 0 ? (size_t)n : 0),
		       "datagram %d: %zd bytes, want \"%s\"", i, n, want[i]);
	}
	n = recv(dg[0], buf, sizeof buf, MSG_DONTWAIT);
	EXPECT(n == -1 && errno == EAGAIN, "an extra datagram (%zd bytes)", n);
	CHECK(send(st[1], "new", 3, 0) == 3, "stream send after restart: %s", strerror(errno));
	n = recv(st[0], buf, sizeof buf, MSG_DONTWAIT);
	EXPECT(n == 3 && !memcmp(buf, "new", 3), "new stream data got %zd bytes", n);
	CHECK(send(dg[0], "back", 4, 0) == 4, "dgram send after restart: %s", strerror(errno));
	n = recv(dg[1], buf, sizeof buf, MSG_DONTWAIT);
	EXPECT(n == 4 && !memcmp(buf, "back", 4), "new datagram got %zd bytes", n);
	scen_finish();
}

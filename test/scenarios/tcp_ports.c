/*
 * A TCP connection over loopback inside one process, with a listening socket
 * and unread bytes both ways. After the restart the connection must carry the
 * bytes in flight and new ones, both ends must have the addresses and ports
 * they had (getsockname, getpeername), and the listener must still accept at
 * its port.
 */
#include "scenario.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static int port_of(int fd, int peer)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int r = peer ? getpeername(fd, (struct sockaddr *)&a, &len) : getsockname(fd, (struct sockaddr *)&a, &len);
	return r == 0 && a.sin_family == AF_INET ? ntohs(a.sin_port) : -1;
}

static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(c >= 0, "socket");
	CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == 0, "connect to port %d: %s", port, strerror(errno));
	return c;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(l >= 0, "socket");
	int one = 1;
	CHECK(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0, "SO_REUSEADDR");
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 4) == 0, "bind/listen");
	int lport = port_of(l, 0);
	int c = connect_to(lport);
	int s = accept(l, NULL, NULL);
	CHECK(s >= 0, "accept");
	int cport = port_of(c, 0);
	CHECK(send(c, "to-server", 9, 0) == 9 && send(s, "to-client!", 10, 0) == 10, "send");

	scen_ready();
	scen_wait_go();

	EXPECT(port_of(l, 0) == lport, "listener port %d, was %d", port_of(l, 0), lport);
	EXPECT(port_of(c, 0) == cport, "client port %d, was %d", port_of(c, 0), cport);
	EXPECT(port_of(c, 1) == lport, "client's peer port %d, was %d", port_of(c, 1), lport);
	EXPECT(port_of(s, 0) == lport, "server end's port %d, was %d", port_of(s, 0), lport);
	EXPECT(port_of(s, 1) == cport, "server end's peer port %d, was %d", port_of(s, 1), cport);
	char buf[32] = "";
	ssize_t n = recv(s, buf, sizeof buf, MSG_DONTWAIT);
	EXPECT(n == 9 && !memcmp(buf, "to-server", 9), "server end got %zd bytes \"%.*s\"", n, (int)(n > 0 ? n : 0), buf);
	n = recv(c, buf, sizeof buf, MSG_DONTWAIT);
	EXPECT(n == 10 && !memcmp(buf, "to-client!", 10), "client got %zd bytes \"%.*s\"", n, (int)(n > 0 ? n : 0), buf);
	CHECK(send(c, "new", 3, 0) == 3, "send after restart: %s", strerror(errno));
	n = recv(s, buf, sizeof buf, 0);
	EXPECT(n == 3 && !memcmp(buf, "new", 3), "new data got %zd bytes", n);

	int c2 = connect_to(lport);
	int s2 = accept(l, NULL, NULL);
	CHECK(s2 >= 0, "accept after restart: %s", strerror(errno));
	EXPECT(port_of(s2, 1) == port_of(c2, 0), "new connection's ends disagree");
	scen_finish();
}

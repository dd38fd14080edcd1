/*
 * One end of two TCP connections between two computations (two hosts, played
 * on loopback): `across_peer server GOFILE PORT LOWPORT` listens on
 * 127.0.0.1:PORT and accepts two connections; `across_peer client GOFILE PORT
 * LOWPORT` connects to it twice, first from a port the kernel picks (above
 * PORT: the server's end is the lower one), then from LOWPORT (below PORT: the
 * client's end is). On each connection each sends the other bytes that stay
 * unread (the server a few KiB, the client a line), waits until the other's
 * bytes are in its own receive queue, prints `ready`, and waits for GOFILE.
 * Then it reads exactly the bytes it was sent on each (they must be the same,
 * in order), and the two exchange one new line each way on each. The server
 * keeps GOFILE.server.log open, written.
 *
 * With a last argument `v6`, over ::1 instead of 127.0.0.1.
 *
 * `across_peer stuck GOFILE PORT` connects to PORT (a peer that never reads)
 * and writes until its send queue no longer empties, then waits for GOFILE.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SERVER_BYTES 4000
#define CLIENT_BYTES 23

static void die(const char *what)
{
	printf("FAIL: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static void wait_go(const char *go)
{
	while (access(go, F_OK) != 0)
		sleep_ms(5);
}

static char pattern(int server, int conn, size_t i)
{
	return server ? (char)('a' + (i * 7 + i / 26 + (size_t)conn) % 26)
		      : (conn ? "HELLO FROM THE CLIENT!\n" : "hello from the client!\n")[i % CLIENT_BYTES];
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t r = send(fd, p, n, 0);
		if (r <= 0)
			die("send");
		p += r, n -= (size_t)r;
	}
}

static void recv_all(int fd, char *p, size_t n)
{
	while (n) {
		ssize_t r = recv(fd, p, n, 0);
		if (r <= 0) {
			printf("FAIL: recv: %s\n", r ? strerror(errno) : "end of stream");
			exit(1);
		}
		p += r, n -= (size_t)r;
	}
}

/* 127.0.0.1, or ::1 when the last argument is "v6" */
static int v6;

static socklen_t loopback(int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		a->sin6_addr = in6addr_loopback;
		return sizeof *a;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof *a;
}

static int connect_to(int port, int from)
{
	struct sockaddr_storage a, f;
	socklen_t al = loopback(port, &a), fl = loopback(from, &f);
	int c = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	int one = 1;
	if (c < 0 || (from && (setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
			       bind(c, (struct sockaddr *)&f, fl) != 0)))
		die("bind");
	if (connect(c, (struct sockaddr *)&a, al) != 0)
		die("connect");
	return c;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		fprintf(stderr, "usage: across_peer server|client GOFILE PORT LOWPORT, or stuck GOFILE PORT\n");
		return 2;
	}
	const char *go = argv[2];
	if (!strcmp(argv[1], "stuck")) {
		int c = connect_to(atoi(argv[3]), 0);
		fcntl(c, F_SETFL, O_NONBLOCK);
		static char buf[65536];
		memset(buf, 'x', sizeof buf);
		for (int quiet = 0; quiet < 50;) { /* 50 ms without room: both queues are full */
			if (send(c, buf, sizeof buf, 0) > 0)
				quiet = 0;
			else if (errno == EAGAIN)
				quiet++, sleep_ms(1);
			else
				die("send");
		}
		int outq = 0;
		ioctl(c, TIOCOUTQ, &outq);
		printf("ready %d\n", outq);
		wait_go(go);
		printf("done\n");
		return 0;
	}
	if (argc < 5) {
		fprintf(stderr, "usage: across_peer server|client GOFILE PORT LOWPORT [v6]\n");
		return 2;
	}
	v6 = argc > 5 && !strcmp(argv[5], "v6");
	int server = !strcmp(argv[1], "server");
	int port = atoi(argv[3]), low = atoi(argv[4]);
	int s[2];
	if (server) {
		int l = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
		struct sockaddr_storage a;
		socklen_t al = loopback(port, &a);
		if (l < 0 || bind(l, (struct sockaddr *)&a, al) != 0 || listen(l, 4) != 0)
			die("listen");
		/* a file it writes and keeps open: the snapshot holds its bytes */
		char log[4096];
		snprintf(log, sizeof log, "%s.server.log", go);
		FILE *f = fopen(log, "w");
		if (!f || fputs("written by the server\n", f) < 0 || fflush(f) != 0)
			die("log");
		printf("listening\n");
		for (int i = 0; i < 2; i++)
			if ((s[i] = accept(l, NULL, NULL)) < 0)
				die("accept");
	} else {
		s[0] = connect_to(port, 0);
		s[1] = connect_to(port, low);
	}
	size_t mine = server ? SERVER_BYTES : CLIENT_BYTES, theirs = server ? CLIENT_BYTES : SERVER_BYTES;
	char *out = malloc(mine), *in = malloc(theirs);
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < mine; i++)
			out[i] = pattern(server, k, i);
		send_all(s[k], out, mine);
	}
	for (int k = 0; k < 2; k++)
		for (int waiting = 0;; waiting = 0) {
			ioctl(s[k], FIONREAD, &waiting);
			if ((size_t)waiting >= theirs)
				break;
			sleep_ms(1);
		}
	printf("ready\n");
	wait_go(go);

	for (int k = 0; k < 2; k++) {
		recv_all(s[k], in, theirs);
		for (size_t i = 0; i < theirs; i++)
			if (in[i] != pattern(!server, k, i)) {
				printf("FAIL: connection %d: byte %zu of the waiting bytes is %d, not %d\n", k, i, in[i],
				       pattern(!server, k, i));
				return 1;
			}
		printf("connection %d: waiting bytes: %zu, as sent\n", k, theirs);
	}
	for (int k = 0; k < 2; k++) {
		char line[32];
		snprintf(line, sizeof line, "new %d from the %s\n", k, server ? "server" : "client");
		send_all(s[k], line, strlen(line));
	}
	for (int k = 0; k < 2; k++) {
		char got[32] = "";
		recv_all(s[k], got, 22);
		printf("connection %d: got: %s", k, got);
	}
	return 0;
}

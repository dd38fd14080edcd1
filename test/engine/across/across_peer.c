/*
 * One end of a TCP connection between two computations (two hosts, played on
 * loopback): `across_peer server GOFILE` listens on 127.0.0.1 (a port the
 * kernel picks, printed), accepts one connection; `across_peer client GOFILE
 * PORT` connects to it. Each sends the other bytes that stay unread (the
 * server a few KiB, the client a line), waits until the other's bytes are in
 * its own receive queue, prints `ready`, and waits for GOFILE. Then it reads
 * exactly the bytes it was sent (they must be the same, in order), and the two
 * exchange one new line each way.
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

static char pattern(int server, size_t i)
{
	return server ? (char)('a' + (i * 7 + i / 26) % 26) : "hello from the client!\n"[i % CLIENT_BYTES];
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

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int connect_to(int port)
{
	struct sockaddr_in a = loopback(port);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) != 0)
		die("connect");
	return c;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		fprintf(stderr, "usage: across_peer server|client|stuck GOFILE [PORT]\n");
		return 2;
	}
	const char *go = argv[2];
	if (!strcmp(argv[1], "stuck")) {
		int c = connect_to(atoi(argv[3]));
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
	int server = !strcmp(argv[1], "server");
	int s;
	if (server) {
		int l = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = loopback(0);
		socklen_t len = sizeof a;
		if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 4) != 0 ||
		    getsockname(l, (struct sockaddr *)&a, &len) != 0)
			die("listen");
		printf("listening %d\n", ntohs(a.sin_port));
		s = accept(l, NULL, NULL);
		if (s < 0)
			die("accept");
	} else {
		s = connect_to(atoi(argv[3]));
	}
	size_t mine = server ? SERVER_BYTES : CLIENT_BYTES, theirs = server ? CLIENT_BYTES : SERVER_BYTES;
	char *out = malloc(mine), *in = malloc(theirs);
	for (size_t i = 0; i < mine; i++)
		out[i] = pattern(server, i);
	send_all(s, out, mine);
	for (int waiting = 0;; waiting = 0) {
		ioctl(s, FIONREAD, &waiting);
		if ((size_t)waiting >= theirs)
			break;
		sleep_ms(1);
	}
	printf("ready\n");
	wait_go(go);

	recv_all(s, in, theirs);
	for (size_t i = 0; i < theirs; i++)
		if (in[i] != pattern(!server, i)) {
			printf("FAIL: byte %zu of the waiting bytes is %d, not %d\n", i, in[i], pattern(!server, i));
			return 1;
		}
	printf("waiting bytes: %zu, as sent\n", theirs);
	const char *line = server ? "new from the server\n" : "new from the client\n";
	send_all(s, line, strlen(line));
	char got[32] = "";
	recv_all(s, got, 20);
	printf("got: %s", got);
	return 0;
}

/*
 * Datagrams in flight between two processes: a parent and its child share a
 * datagram socket pair and a seqpacket pair, and at the checkpoint each has
 * records queued that the other sent and nobody has read. After the restart
 * each must read exactly those records, boundaries intact, and no more.
 */
#include "scenario.h"
#include <sys/socket.h>
#include <sys/wait.h>

static const char *to_parent[3] = { "a", "bb", "ccc" };
static const char *to_child[2] = { "dddd", "eeeee" };

/* reads records until none is queued; 0 when they are exactly want[0..n) */
static int expect_records(int fd, const char *const *want, int n, char *why, size_t whylen)
{
	char buf[64];
	for (int i = 0; i < n; i++) {
		ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (r != (ssize_t)strlen(want[i]) || memcmp(buf, want[i], (size_t)r)) {
			snprintf(why, whylen, "record %d: %zd bytes \"%.*s\", want \"%s\"", i, r, (int)(r > 0 ? r : 0), buf, want[i]);
			return 1;
		}
	}
	/* none left: EAGAIN, or end of file on a seqpacket pair whose other
	 * process has finished and exited */
	ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
	if (r != 0 && (r != -1 || errno != EAGAIN)) {
		snprintf(why, whylen, "a record too many (%zd bytes)", r);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	int dg[2], sp[2];
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) == 0, "socketpair dgram");
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == 0, "socketpair seqpacket");
	fflush(stdout);
	pid_t child = fork();
	CHECK(child >= 0, "fork");
	if (child == 0) {
		close(dg[0]);
		close(sp[0]);
		for (int i = 0; i < 3; i++)
			if (send(dg[1], to_parent[i], strlen(to_parent[i]), 0) < 0 ||
			    send(sp[1], to_parent[i], strlen(to_parent[i]), 0) < 0)
				_exit(10);
		scen_wait_go();
		char why[256];
		if (expect_records(dg[1], to_child, 2, why, sizeof why) ||
		    expect_records(sp[1], to_child, 2, why, sizeof why)) {
			printf("child: %s\n", why);
			fflush(stdout);
			_exit(11);
		}
		_exit(0);
	}
	close(dg[1]);
	close(sp[1]);
	for (int i = 0; i < 2; i++) {
		CHECK(send(dg[0], to_child[i], strlen(to_child[i]), 0) > 0, "send dgram to child");
		CHECK(send(sp[0], to_child[i], strlen(to_child[i]), 0) > 0, "send seqpacket to child");
	}
	/* the child's three records are queued before the checkpoint */
	for (int i = 0; i < 60000; i++) {
		int q = 0;
		if (recv(sp[0], &q, 0, MSG_PEEK | MSG_DONTWAIT) >= 0)
			break;
		scen_sleep_us(1000);
	}
	scen_sleep_us(100000);
	scen_ready();
	scen_wait_go();

	char why[256];
	EXPECT(!expect_records(dg[0], to_parent, 3, why, sizeof why), "parent, datagram pair: %s", why);
	EXPECT(!expect_records(sp[0], to_parent, 3, why, sizeof why), "parent, seqpacket pair: %s", why);
	int st = 0;
	EXPECT(waitpid(child, &st, 0) == child, "waitpid");
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child's check: status %#x", st);
	scen_finish();
	return 0;
}

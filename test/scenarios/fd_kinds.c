/*
 * Descriptors beyond plain files and pipes, each holding state in the kernel:
 * an eventfd with a count, a semaphore eventfd, an epoll set with two
 * registrations (and both ready), a signalfd with a queued signal, a periodic
 * timerfd, a dup()ed descriptor sharing its offset, an O_APPEND file, and the
 * close-on-exec flag. After the restart each must hold its state.
 */
#include "scenario.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	int efd = eventfd(0, EFD_NONBLOCK);
	int sem = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	CHECK(efd >= 0 && sem >= 0, "eventfd");
	uint64_t five = 5;
	CHECK(write(efd, &five, 8) == 8, "write eventfd");

	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	CHECK(write(p[1], "pp", 2) == 2, "write pipe");
	int ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0, "epoll_create1");
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x11 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == 0, "epoll_ctl eventfd");
	ev.data.u64 = 0x22;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "epoll_ctl pipe");

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0, "block SIGUSR2");
	int sfd = signalfd(-1, &set, SFD_NONBLOCK);
	CHECK(sfd >= 0, "signalfd");
	union sigval val = { .sival_int = 99 };
	CHECK(sigqueue(getpid(), SIGUSR2, val) == 0, "sigqueue");

	int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	CHECK(tfd >= 0, "timerfd_create");
	struct itimerspec its = { { 0, 10000000 }, { 0, 10000000 } };
	CHECK(timerfd_settime(tfd, 0, &its, NULL) == 0, "timerfd_settime");
	uint64_t exp = 0;
	CHECK(read(tfd, &exp, 8) == 8 && exp >= 1, "first timerfd expiration");

	char path[4096];
	snprintf(path, sizeof path, "%s/dup.dat", scen_workdir);
	int f1 = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(f1 >= 0, "open dup.dat");
	CHECK(write(f1, "0123456789", 10) == 10, "write dup.dat");
	int f2 = dup(f1);
	CHECK(f2 >= 0 && lseek(f1, 3, SEEK_SET) == 3, "dup");
	CHECK(fcntl(f1, F_SETFD, FD_CLOEXEC) == 0, "FD_CLOEXEC");

	snprintf(path, sizeof path, "%s/append.log", scen_workdir);
	int ap = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	CHECK(ap >= 0 && write(ap, "one\n", 4) == 4, "append.log");
	int extra = open(path, O_WRONLY);
	CHECK(extra >= 0 && write(extra, "ONE", 3) == 3, "overwrite start of append.log");

	scen_ready();
	scen_wait_go();

	uint64_t v = 0;
	EXPECT(read(efd, &v, 8) == 8 && v == 5, "eventfd count %lu, want 5", (unsigned long)v);
	EXPECT(read(efd, &v, 8) == -1 && errno == EAGAIN, "eventfd not empty after one read");
	for (int i = 0; i < 3; i++) {
		v = 0;
		EXPECT(read(sem, &v, 8) == 8 && v == 1, "semaphore eventfd read %d gave %lu", i, (unsigned long)v);
	}
	EXPECT(read(sem, &v, 8) == -1 && errno == EAGAIN, "semaphore eventfd has more than 3");

	CHECK(write(efd, &five, 8) == 8, "write eventfd again");
	struct epoll_event got[4];
	int n = epoll_wait(ep, got, 4, 0);
	uint64_t seen = 0;
	for (int i = 0; i < n; i++)
		seen |= got[i].data.u64;
	EXPECT(n == 2 && seen == 0x33, "epoll_wait gave %d events, data %#lx, want 2 with 0x11|0x22",
	       n, (unsigned long)seen);
	EXPECT(fcntl(ep, F_GETFD) & FD_CLOEXEC, "epoll fd lost FD_CLOEXEC");

	struct signalfd_siginfo ssi;
	memset(&ssi, 0, sizeof ssi);
	ssize_t r = read(sfd, &ssi, sizeof ssi);
	EXPECT(r == sizeof ssi && ssi.ssi_signo == SIGUSR2 && ssi.ssi_int == 99,
	       "signalfd read %zd: signal %u value %d, want SIGUSR2 with 99", r, ssi.ssi_signo, ssi.ssi_int);

	struct itimerspec cur;
	EXPECT(timerfd_gettime(tfd, &cur) == 0 && cur.it_interval.tv_nsec == 10000000 &&
	       (cur.it_value.tv_sec || cur.it_value.tv_nsec), "timerfd not armed every 10 ms after restart");
	/* Bounded wait: a disarmed timerfd would block a plain read forever. */
	struct pollfd tp = { .fd = tfd, .events = POLLIN };
	int pr = poll(&tp, 1, 30000);
	exp = 0;
	EXPECT(pr == 1 && read(tfd, &exp, 8) == 8 && exp >= 1,
	       "timerfd did not expire within 30 s after restart (poll %d, expirations %lu)", pr, (unsigned long)exp);

	char c = 0;
	EXPECT(lseek(f2, 0, SEEK_CUR) == 3, "dup()ed fd at %lld, want 3 (shared offset)", (long long)lseek(f2, 0, SEEK_CUR));
	EXPECT(read(f2, &c, 1) == 1 && c == '3', "read through the dup gave %c", c);
	EXPECT(lseek(f1, 0, SEEK_CUR) == 4, "the offset is no longer shared between dup()s");
	EXPECT(fcntl(f1, F_GETFD) & FD_CLOEXEC, "FD_CLOEXEC lost");
	EXPECT(!(fcntl(f2, F_GETFD) & FD_CLOEXEC), "FD_CLOEXEC appeared on the dup");

	EXPECT(fcntl(ap, F_GETFL) & O_APPEND, "O_APPEND lost");
	CHECK(write(ap, "two\n", 4) == 4, "append after restart");
	char all[16] = "";
	EXPECT(pread(extra, all, sizeof all - 1, 0) == -1, "write-only fd became readable");
	int rd = open(path, O_RDONLY);
	ssize_t an = read(rd, all, sizeof all - 1);
	EXPECT(an == 8 && !memcmp(all, "ONE\ntwo\n", 8), "append.log holds \"%.*s\"", (int)(an > 0 ? an : 0), all);
	scen_finish();
}

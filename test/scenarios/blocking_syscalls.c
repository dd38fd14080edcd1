/*
 * Threads blocked in system calls at checkpoint time: read() on an empty
 * pipe, poll() on a pipe, sigwaitinfo(), epoll_wait() on an eventfd, a mutex
 * held by main (futex wait) and pthread_join() of a thread that waits. After
 * the restart main wakes each one; each call must complete with the right
 * result and none may return EINTR or any other error on its own.
 */
#include "scenario.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

enum { T_READ, T_POLL, T_SIGWAIT, T_EPOLL, T_MUTEX, T_JOIN, T_JOINED, NT };
static const char *names[NT] = { "read", "poll", "sigwaitinfo", "epoll_wait", "mutex", "join", "joined" };

static int read_pipe[2], poll_pipe[2], efd, epfd;
static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_t th[NT];
static volatile pid_t tids[NT];
static volatile int done[NT], release_joined, sigqueue_failed;
static char result[NT][200];

static void *run(void *arg)
{
	int k = (int)(long)arg;
	tids[k] = gettid();
	char *res = result[k];
	switch (k) {
	case T_READ: {
		char buf[16] = "";
		ssize_t r = read(read_pipe[0], buf, sizeof buf - 1);
		if (r != 9 || memcmp(buf, "pipe-data", 9))
			snprintf(res, 200, "read gave %zd (%s) \"%.15s\"", r, r < 0 ? strerror(errno) : "", buf);
		break;
	}
	case T_POLL: {
		struct pollfd p = { .fd = poll_pipe[0], .events = POLLIN };
		int r = poll(&p, 1, -1);
		if (r != 1 || !(p.revents & POLLIN))
			snprintf(res, 200, "poll gave %d (%s) revents %#x", r, r < 0 ? strerror(errno) : "", p.revents);
		break;
	}
	case T_SIGWAIT: {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		siginfo_t si;
		int r = sigwaitinfo(&set, &si);
		if (r != SIGUSR1 || (si.si_value.sival_int != 7 && !sigqueue_failed))
			snprintf(res, 200, "sigwaitinfo gave %d (%s) value %d", r, r < 0 ? strerror(errno) : "",
				 r > 0 ? si.si_value.sival_int : 0);
		break;
	}
	case T_EPOLL: {
		struct epoll_event ev = { 0 };
		int r = epoll_wait(epfd, &ev, 1, -1);
		uint64_t v = 0;
		if (r != 1 || ev.data.u64 != 0xabc || read(efd, &v, 8) != 8 || v != 3)
			snprintf(res, 200, "epoll_wait gave %d (%s) data %#lx, eventfd %lu", r,
				 r < 0 ? strerror(errno) : "", (unsigned long)ev.data.u64, (unsigned long)v);
		break;
	}
	case T_MUTEX: {
		int r = pthread_mutex_lock(&held);
		if (r)
			snprintf(res, 200, "pthread_mutex_lock gave %s", strerror(r));
		else
			pthread_mutex_unlock(&held);
		break;
	}
	case T_JOINED:
		while (!release_joined)
			scen_sleep_us(1000);
		break;
	case T_JOIN: {
		while (!tids[T_JOINED])
			scen_sleep_us(1000);
		int r = pthread_join(th[T_JOINED], NULL);
		if (r)
			snprintf(res, 200, "pthread_join gave %s", strerror(r));
		break;
	}
	}
	done[k] = 1;
	return NULL;
}

/* 'S' once the thread sleeps in the kernel (in its blocking call). */
static char state_of(pid_t tid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* inherited: only sigwaitinfo takes it */
	CHECK(pipe(read_pipe) == 0 && pipe(poll_pipe) == 0, "pipe");
	efd = eventfd(0, 0);
	epfd = epoll_create1(0);
	CHECK(efd >= 0 && epfd >= 0, "eventfd/epoll");
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0xabc };
	CHECK(epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &ev) == 0, "epoll_ctl");
	pthread_mutex_lock(&held);

	for (long k = 0; k < NT; k++)
		CHECK(pthread_create(&th[k], NULL, run, (void *)k) == 0, "create %s", names[k]);
	for (int k = 0; k < NT; k++) {
		for (int w = 0; !tids[k] || state_of(tids[k]) != 'S'; w++) {
			CHECK(w < 60000, "thread %s never blocked", names[k]);
			scen_sleep_us(1000);
		}
	}

	scen_ready();
	scen_wait_go();

	for (int k = 0; k < NT; k++)
		EXPECT(!done[k], "%s returned before it was woken: %.190s", names[k], result[k][0] ? result[k] : "no error");
	CHECK(write(read_pipe[1], "pipe-data", 9) == 9, "write pipe");
	CHECK(write(poll_pipe[1], "x", 1) == 1, "write poll pipe");
	union sigval v = { .sival_int = 7 };
	/* Only to a thread still waiting: one that already returned may be gone. */
	int rc = done[T_SIGWAIT] ? 0 : pthread_sigqueue(th[T_SIGWAIT], SIGUSR1, v);
	EXPECT(rc == 0, "pthread_sigqueue to a thread gave %s", strerror(rc));
	if (rc != 0) {
		/* Wake it anyway, so the other calls are still checked. */
		sigqueue_failed = 1;
		CHECK(pthread_kill(th[T_SIGWAIT], SIGUSR1) == 0, "pthread_kill");
	}
	uint64_t three = 3;
	CHECK(write(efd, &three, 8) == 8, "write eventfd");
	pthread_mutex_unlock(&held);
	release_joined = 1;

	for (int k = 0; k < NT; k++) {
		for (int w = 0; !done[k]; w++) {
			CHECK(w < 60000, "%s did not complete after being woken", names[k]);
			scen_sleep_us(1000);
		}
		EXPECT(!result[k][0], "%.190s", result[k]);
	}
	for (int k = 0; k < NT; k++)
		if (k != T_JOINED)
			CHECK(pthread_join(th[k], NULL) == 0, "join %s", names[k]);
	scen_finish();
}

/*
 * Process and thread ids: getpid(), gettid(), syscall(SYS_gettid) and
 * syscall(SYS_getpid), in main and in a second thread, are the same after the
 * restart as before, and signals addressed by those ids (kill, tgkill) arrive,
 * and memory read by PID (process_vm_readv, as Open MPI's shared-memory
 * transport reads another rank's) is the process's own.
 */
#include "scenario.h"
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/uio.h>

static volatile sig_atomic_t usr1;
static void on_usr1(int sig) { (void)sig; usr1++; }

struct ids { pid_t pid, tid, sys_tid, sys_pid; };

static void take(struct ids *i)
{
	i->pid = getpid();
	i->tid = gettid();
	i->sys_tid = (pid_t)syscall(SYS_gettid);
	i->sys_pid = (pid_t)syscall(SYS_getpid);
}

static void compare(const char *who, const struct ids *a, const struct ids *b)
{
	CHECK(a->pid == b->pid, "%s: getpid() %d, was %d", who, b->pid, a->pid);
	CHECK(a->tid == b->tid, "%s: gettid() %d, was %d", who, b->tid, a->tid);
	CHECK(a->sys_tid == b->sys_tid, "%s: syscall(SYS_gettid) %d, was %d", who, b->sys_tid, a->sys_tid);
	CHECK(a->sys_pid == b->sys_pid, "%s: syscall(SYS_getpid) %d, was %d", who, b->sys_pid, a->sys_pid);
}

static struct ids t_before, t_after;
static volatile int t_ready, t_go, t_done;

static void *worker(void *arg)
{
	(void)arg;
	take(&t_before);
	t_ready = 1;
	while (!t_go)
		scen_sleep_us(1000);
	take(&t_after);
	t_done = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	struct sigaction sa = { 0 };
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);

	struct ids before, after;
	take(&before);
	CHECK(before.pid == before.tid && before.tid == before.sys_tid, "ids disagree before checkpoint");
	pthread_t th;
	CHECK(pthread_create(&th, NULL, worker, NULL) == 0, "create");
	while (!t_ready)
		scen_sleep_us(1000);
	printf("pid %d, thread %d\n", before.pid, t_before.tid);

	scen_ready();
	scen_wait_go();

	take(&after);
	compare("main", &before, &after);
	t_go = 1;
	CHECK(pthread_join(th, NULL) == 0, "join");
	CHECK(t_done, "worker did not finish");
	compare("thread", &t_before, &t_after);
	CHECK(t_after.pid == after.pid, "thread sees pid %d, main %d", t_after.pid, after.pid);

	CHECK(kill(getpid(), 0) == 0, "kill(getpid(), 0): %s", strerror(errno));
	CHECK(kill(getpid(), SIGUSR1) == 0, "kill(getpid(), SIGUSR1): %s", strerror(errno));
	CHECK(usr1 == 1, "SIGUSR1 by kill(getpid()) not delivered");
	CHECK(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1) == 0, "tgkill: %s", strerror(errno));
	CHECK(usr1 == 2, "SIGUSR1 by tgkill(getpid(), gettid()) not delivered");
	static long mine = 0x5eed;
	long got = 0;
	struct iovec local = { &got, sizeof got }, remote = { &mine, sizeof mine };
	CHECK(process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == sizeof got && got == mine,
	      "process_vm_readv(getpid()): %s", strerror(errno));
	got = 0;
	CHECK(syscall(SYS_process_vm_readv, getpid(), &local, 1, &remote, 1, 0) == sizeof got && got == mine,
	      "syscall(SYS_process_vm_readv, getpid()): %s", strerror(errno));
	scen_pass();
}

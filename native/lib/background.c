/*
 * The forked writer: copy-on-write capture. With every thread stopped the
 * plugins write their sections and the memory plugin plans the pages; then a
 * child process made with a raw clone gets the address space as it is at that
 * instant (copy-on-write) and writes the pages, while the program runs on.
 *
 * The child is made from a signal handler of a process that may have many
 * threads: it has one thread, and it runs only the engine's own code and raw
 * system calls (no malloc, no locks, no atfork handlers). Its exit signal is 0,
 * so the program gets no SIGCHLD and its wait() calls do not see it (only
 * __WCLONE or __WALL waits would); the library reaps it at the next order.
 * CLONE_UNTRACED keeps a debugger that traces the program from taking it for a
 * new thread. The child closes every file of the program (a pipe end or lock
 * it held would outlive the program's own close), says who it is on the engine
 * connection ("writing"), writes, answers the checkpoint order and exits. The
 * program's side writes nothing on the connection meanwhile: the coordinator
 * gives it no order until the answer has come.
 */
#include "engine.h"
#include "writer.h"
#include <sched.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/futex.h>
#include <sys/mman.h>

#define MAX_WRITERS 8
#define PAUSE_UNKNOWN (~0ull)
static int writers[MAX_WRITERS]; /* started, not yet reaped */
static int inline_only;
static int in_writer;

int ckpt_background_in_writer(void) { return in_writer; }

__attribute__((constructor(130))) static void read_setting(void)
{
	/* CKPT_WRITER=inline: write every image with the program stopped */
	const char *s = getenv("CKPT_WRITER");
	inline_only = s && !__builtin_strcmp(s, "inline");
}

/* Reaps the writers that have ended; with `wait_oldest`, waits for one slot. */
static void reap(int wait_oldest)
{
	for (int i = 0; i < MAX_WRITERS; i++) {
		if (!writers[i])
			continue;
		int flags = __WCLONE | (wait_oldest && i == 0 ? 0 : WNOHANG);
		long r;
		do
			r = SYS4(SYS_wait4, writers[i], 0, flags, 0);
		while (r == -4 /* EINTR */);
		if (r != 0) /* reaped, or not ours (ECHILD) */
			writers[i] = 0;
	}
	/* keep the live ones first */
	int k = 0;
	for (int i = 0; i < MAX_WRITERS; i++)
		if (writers[i])
			writers[k++] = writers[i];
	while (k < MAX_WRITERS)
		writers[k++] = 0;
}

void ckpt_background_reap(void)
{
	reap(writers[MAX_WRITERS - 1] != 0);
}



/* Closes every fd but the two the writer needs. */
static void close_all_but(int a, int b)
{
	if (a > b) {
		int t = a;
		a = b;
		b = t;
	}
	unsigned lo = 0;
	int keep[2] = { a, b };
	for (int i = 0; i < 2; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < lo)
			continue;
		if ((unsigned)keep[i] > lo)
			SYS3(436 /* close_range */, lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	SYS3(436, lo, ~0u, 0);
}

static void say_writing(void)
{
	char buf[256];
	struct ckpt_json j;
	ckpt_reply_begin(&j, buf, sizeof buf, "writing");
	ckpt_json_key(&j, "vpid");
	ckpt_json_int(&j, ckpt_rt.vpid);
	ckpt_json_key(&j, "writer");
	ckpt_json_int(&j, SYS0(SYS_getpid));
	ckpt_reply_send(&j);
}

/* The pause ends when the program's threads are let go, which only the
 * program's side sees: it tells the writer through a shared page. */
static volatile uint64_t *pause_page;
static uint64_t pause_t0;

void ckpt_background_resumed(void)
{
	if (!pause_page)
		return;
	__atomic_store_n(pause_page, ckpt_now_ns() - pause_t0, __ATOMIC_RELEASE);
	SYS6(SYS_futex, pause_page, FUTEX_WAKE, 1, 0, 0, 0);
	SYS2(SYS_munmap, pause_page, 4096);
	pause_page = 0;
}

/* After a fork of the program or a restart: the writers and the pause page
 * (an image holds them as they were when it was taken) are not this process's. */
void ckpt_background_forget(void)
{
	for (int i = 0; i < MAX_WRITERS; i++)
		writers[i] = 0;
	pause_page = 0;
}

static uint64_t pause_of_program(uint64_t fallback)
{
	struct timespec ts = { 1, 0 };
	for (int tries = 0; tries < 5; tries++) {
		uint64_t v = __atomic_load_n(pause_page, __ATOMIC_ACQUIRE);
		if (v != PAUSE_UNKNOWN)
			return v;
		/* the low half changes when the value is stored */
		SYS6(SYS_futex, pause_page, FUTEX_WAIT, (uint32_t)PAUSE_UNKNOWN, &ts, 0, 0);
	}
	return fallback; /* the program's side is gone */
}

__attribute__((noreturn)) static void writer_main(struct ckpt_writer *w, const char *image, uint64_t t0,
						   ckpt_answer_fn answer)
{
	uint64_t t1 = ckpt_now_ns();
	in_writer = 1;
	SYS2(SYS_prctl, PR_SET_NAME, "ckpt-writer");
	close_all_but(ckpt_writer_fd(w), ckpt_rt.ctl_fd);
	say_writing();
	long size = ckpt_memory_write_pages(w, 1) < 0 ? -1 : ckpt_writer_finish(w);
	if (size < 0)
		ckpt_writer_abort(w, image);
	uint64_t t2 = ckpt_now_ns();
	answer(size >= 0, image, size, pause_of_program(t1 - t0), t2 - t1);
	ckpt_memory_writer_done();
	SYS1(SYS_exit_group, size >= 0 ? 0 : 1);
	__builtin_unreachable();
}

int ckpt_background_possible(void) { return !inline_only && ckpt_rt.ctl_fd >= 0; }

int ckpt_background_write(struct ckpt_writer *w, const char *image, uint64_t t0, ckpt_answer_fn answer)
{
	if (!ckpt_background_possible())
		return -1;
	reap(writers[MAX_WRITERS - 1] != 0);
	long m = SYS6(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m < 0 && m > -4096)
		return -1;
	pause_page = (volatile uint64_t *)m;
	*pause_page = PAUSE_UNKNOWN;
	pause_t0 = t0;
	/* fork semantics (no CLONE_VM, same stack), no exit signal */
	ckpt_memory_fork_begin();
	long pid = SYS6(SYS_clone, CLONE_UNTRACED, 0, 0, 0, 0, 0);
	if (pid != 0)
		ckpt_memory_fork_end();
	if (pid < 0) {
		SYS2(SYS_munmap, m, 4096);
		pause_page = 0;
		return -1; /* the caller writes the image itself */
	}
	if (pid == 0)
		writer_main(w, image, t0, answer);
	for (int i = 0; i < MAX_WRITERS; i++)
		if (!writers[i]) {
			writers[i] = (int)pid;
			break;
		}
	ckpt_writer_detach(w);
	ckpt_memory_release();
	return 0;
}

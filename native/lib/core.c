/*
 * The core of the preload library: start-up, the checkpoint signal handler, the
 * rendezvous that brings every thread to a safe stop, the plugin manager, and
 * the entry points where a restored process comes back to the library.
 *
 * A checkpoint: the coordinator writes an order on the engine connection and
 * sends the engine's signal to the process. The thread that takes it (the
 * leader) reads the order, sends the signal to every other thread and waits
 * until each has saved its state (followers park in the handler). With all
 * threads stopped, the plugins write the image; then everyone returns from the
 * handler and the program goes on as if nothing happened.
 *
 * Each thread's registers, FP/AVX state, signal mask and alternate stack are
 * in the signal frame the kernel built for the handler. A restored thread
 * resumes with rt_sigreturn on that very frame, so the saved context needs no
 * copying and no knowledge of the CPU's extended state layout (restarted.c).
 */
#include "engine.h"
#include "core.h"
#include "writer.h"
#include "../include/ckpt_proc.h"
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

CKPT_EXPORT struct ckpt_runtime ckpt_rt = { .ctl_fd = -1 };

/* ---------- plugin manager ---------- */

#define MAX_PLUGINS 32
static const struct ckpt_plugin *plugins[MAX_PLUGINS];
static int nplugins;

void ckpt_plugin_register(const struct ckpt_plugin *p)
{
	if (nplugins >= MAX_PLUGINS)
		return;
	/* keep them sorted by order, stable for equal orders */
	int i = nplugins++;
	while (i > 0 && plugins[i - 1]->order > p->order) {
		plugins[i] = plugins[i - 1];
		i--;
	}
	plugins[i] = p;
}

static char fail_msg[1024];

int ckpt_fail(const char *fmt, ...)
{
	if (fail_msg[0])
		return -1; /* the first reason is the one to report */
	va_list ap;
	va_start(ap, fmt);
	ckpt_format(fail_msg, sizeof fail_msg, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---------- the rendezvous ---------- */

static volatile int32_t ckpt_generation;
static volatile int32_t captured_gen[CKPT_MAX_THREADS];
static int32_t signaled_gen[CKPT_MAX_THREADS];
static uint64_t signaled_at[CKPT_MAX_THREADS];
static int32_t blocked_nr[CKPT_MAX_THREADS];

static void capture_self(ucontext_t *uc)
{
	int slot = ckpt_threads_slot_of_self();
	if (slot < 0)
		slot = ckpt_threads_register(ckpt_real_tid(), ckpt_real_tid(), 0);
	if (slot < 0)
		return;
	ckpt_restart_interrupted_wait(uc, slot >= 0 && signaled_gen[slot] == ckpt_generation ? blocked_nr[slot] : -1);
	for (int i = 0; i < nplugins; i++)
		if (plugins[i]->capture)
			plugins[i]->capture(slot, uc);
	ckpt_threads_capture(slot, uc);
	__atomic_store_n(&captured_gen[slot], ckpt_generation, __ATOMIC_RELEASE);
	__atomic_add_fetch(&ckpt_rt.parked, 1, __ATOMIC_ACQ_REL);
	futex_wake(&ckpt_rt.parked);
}

int ckpt_threads_slot_captured(int slot)
{
	return __atomic_load_n(&captured_gen[slot], __ATOMIC_ACQUIRE) == ckpt_generation;
}

/* gen: the release generation read before the thread found a checkpoint in
 * progress. If it has moved on since, this signal came late (a second one sent
 * while the thread was slow to stop) and the checkpoint is over: nothing to do.
 * The leader moves the generation before it clears `busy`, so a follower can
 * never wait for a release that has already happened. */
static volatile int32_t started; /* the leader has begun this checkpoint's rendezvous */

static void follower(ucontext_t *uc, int32_t gen)
{
	/* Threads can enter together (a debugger queues the signal on all of them):
	 * wait until the leader has read its order and opened the rendezvous, or
	 * until it is over without one (a status order, a stray signal). */
	for (;;) {
		if (__atomic_load_n(&ckpt_rt.release, __ATOMIC_ACQUIRE) != gen)
			return;
		if (__atomic_load_n(&started, __ATOMIC_ACQUIRE))
			break;
		futex_wait(&started, 0, 1);
	}
	capture_self(uc);
	while (__atomic_load_n(&ckpt_rt.release, __ATOMIC_ACQUIRE) == gen)
		futex_wait(&ckpt_rt.release, gen, -1);
}

/*
 * Under a debugger (hold mode) gdb holds every thread stopped, and the
 * debugger started this leader alone (native/PROTOCOL.md). The leader signals
 * the others itself while gdb still holds them: the signal waits in the
 * kernel and is taken before any instruction of their own once gdb lets them
 * go. (A signal gdb queued on a thread would be lost where gdb holds another
 * event of that thread, such as a breakpoint two threads hit at once, and the
 * thread would run on.) Each thread gets one signal per checkpoint: a second
 * would be taken after the snapshot, right where the debugger shows it. One
 * taken after its leader gave the snapshot up (not every thread stopped in
 * time) finds no order, and comes back through the hold trap all the same.
 */
static int hold_mode;

static void signal_thread(int slot, int tid)
{
	signaled_gen[slot] = ckpt_generation;
	signaled_at[slot] = ckpt_now_ns();
	/* the wait it is blocked in, read while it still waits (not when a
	 * debugger holds it: then it is not in the system call) */
	blocked_nr[slot] = hold_mode ? -1 : ckpt_blocked_syscall(tid);
	SYS3(SYS_tgkill, ckpt_rt.real_pid, tid, ckpt_rt.ckpt_signal);
}

/* Hold mode, before the leader's first system call that opens a file (where
 * the debugger waits for it): every other thread the engine knows. */
static void signal_known_threads(int self_tid)
{
	for (int i = 0; i < CKPT_MAX_THREADS; i++)
		if (ckpt_rt.threads[i].used && ckpt_rt.threads[i].tid != self_tid)
			signal_thread(i, ckpt_rt.threads[i].tid);
}

/* Signals every thread not yet stopped; returns how many are still running,
 * and the TID of one of them in *straggler. */
static int signal_running_threads(int self_tid, int *straggler)
{
	struct ckpt_procdir dir;
	int running = 0;
	if (ckpt_procdir_open(&dir, "/proc/self/task") < 0)
		return 0;
	for (int tid; (tid = ckpt_procdir_next(&dir)) >= 0;) {
		if (tid == self_tid)
			continue;
		int slot = -1;
		for (int i = 0; i < CKPT_MAX_THREADS; i++)
			if (ckpt_rt.threads[i].used && ckpt_rt.threads[i].tid == tid) {
				slot = i;
				break;
			}
		if (slot >= 0 && ckpt_threads_slot_captured(slot))
			continue;
		if (slot < 0) /* a thread the engine did not see start */
			slot = ckpt_threads_register(tid, tid, 0);
		running++;
		*straggler = tid;
		/* once per checkpoint, and again only after a while (a thread that is
		 * just starting runs with signals blocked): every extra signal is
		 * delivered later, to a handler with nothing to do */
		if (slot >= 0 && (signaled_gen[slot] != ckpt_generation ||
				  (!hold_mode && ckpt_now_ns() - signaled_at[slot] > 200000000ull)))
			signal_thread(slot, tid);
	}
	ckpt_procdir_close(&dir);
	return running;
}

static int stop_all_threads(void)
{
	int self = ckpt_real_tid();
	uint64_t deadline = ckpt_now_ns() + 5000000000ull;
	int straggler = 0;
	/* The first pass signals everyone; later passes catch threads born
	 * meanwhile and re-signal those that have not arrived (a new thread runs
	 * with signals blocked until glibc has set it up). */
	for (int pass = 0;; pass++) {
		int32_t parked = __atomic_load_n(&ckpt_rt.parked, __ATOMIC_ACQUIRE);
		int running = signal_running_threads(self, &straggler);
		if (!running)
			return 0;
		if (ckpt_now_ns() > deadline)
			return ckpt_fail("thread %d did not stop within 5 s", straggler);
		futex_wait(&ckpt_rt.parked, parked, pass < 10 ? 1 : 10);
	}
}

/* ---------- orders ---------- */

static void answer_status(void)
{
	static char buf[65536];
	struct ckpt_json j;
	ckpt_reply_begin(&j, buf, sizeof buf, "status");
	ckpt_json_identity(&j);
	for (int i = 0; i < nplugins; i++)
		if (plugins[i]->status)
			plugins[i]->status(&j);
	ckpt_reply_send(&j);
}

/* The fields every answer to an order starts with: "ok", "vpid" and, when
 * not ok, the "error" (what failed said, else `fallback`). */
static void answer_outcome(struct ckpt_json *j, int ok, const char *fallback)
{
	ckpt_json_key(j, "ok");
	ckpt_json_raw(j, ok ? "true" : "false");
	ckpt_json_key(j, "vpid");
	ckpt_json_int(j, ckpt_rt.vpid);
	if (!ok) {
		ckpt_json_key(j, "error");
		ckpt_json_str(j, fail_msg[0] ? fail_msg : fallback);
	}
}

static void answer_stopped(int ok)
{
	char buf[1200];
	struct ckpt_json j;
	ckpt_reply_begin(&j, buf, sizeof buf, "stopped");
	answer_outcome(&j, ok, "the process could not be stopped");
	ckpt_reply_send(&j);
}

static void answer_checkpoint(int ok, const char *image, long bytes, uint64_t pause_ns, uint64_t write_ns)
{
	char buf[8192];
	struct ckpt_json j;
	ckpt_reply_begin(&j, buf, sizeof buf, "checkpoint");
	answer_outcome(&j, ok, "checkpoint failed");
	if (ok) {
		ckpt_json_key(&j, "image");
		ckpt_json_str(&j, image);
		ckpt_json_key(&j, "bytes");
		ckpt_json_int(&j, bytes);
		ckpt_json_key(&j, "pauseUs");
		ckpt_json_int(&j, (long)(pause_ns / 1000));
		ckpt_json_key(&j, "writeUs");
		ckpt_json_int(&j, (long)(write_ns / 1000));
		ckpt_json_key(&j, "forked");
		ckpt_json_raw(&j, ckpt_background_in_writer() ? "true" : "false");
		for (int i = 0; i < nplugins; i++)
			if (plugins[i]->answer)
				plugins[i]->answer(&j);
	}
	ckpt_reply_send(&j);
}

/* write_image's answer when a forked writer finishes the image and answers */
#define WRITING_IN_BACKGROUND (-2)

/* Several processes, not to be killed: "captured" tells the coordinator that
 * this one's state is taken (its pipes drained), so that all may go on while
 * their writers write; it is said before the writer exists, so that the two
 * never write on the connection at once. */
static int captured_said;

static void answer_captured(int ok)
{
	char buf[1200];
	struct ckpt_json j;
	ckpt_reply_begin(&j, buf, sizeof buf, "captured");
	answer_outcome(&j, ok, "checkpoint failed");
	ckpt_reply_send(&j);
	captured_said = 1;
}

static long write_image(const char *path, uint64_t t0, int may_fork, int say_captured)
{
	struct ckpt_writer *w = ckpt_writer_open(path);
	if (!w)
		return -1;
	for (int i = 0; i < nplugins; i++) {
		if (plugins[i]->checkpoint && plugins[i]->checkpoint(w) < 0) {
			if (!fail_msg[0])
				ckpt_fail("plugin %s failed", plugins[i]->name);
			ckpt_writer_abort(w, path);
			ckpt_memory_release();
			return -1;
		}
	}
	if (say_captured)
		answer_captured(1);
	if (may_fork && ckpt_background_write(w, path, t0, answer_checkpoint) == 0)
		return WRITING_IN_BACKGROUND;
	long size = ckpt_memory_write_pages(w, 0) < 0 ? -1 : ckpt_writer_finish(w);
	ckpt_memory_release();
	if (size < 0)
		ckpt_writer_abort(w, path);
	return size;
}

/* Writes the image and answers the order, or leaves both to a forked writer
 * (*background). A program that ends after the snapshot (kill) gains nothing
 * from running on while its pages are written. Returns whether it is saved,
 * or being saved. */
static int save(const char *image, uint64_t t0, uint64_t t1, int kill_after, int sync, int *background)
{
	int early = sync && !kill_after;
	captured_said = 0;
	long size = write_image(image, t0, !kill_after, early);
	*background = size == WRITING_IN_BACKGROUND;
	if (*background)
		return 1;
	uint64_t t2 = ckpt_now_ns();
	if (early && !captured_said)
		answer_captured(0);
	else
		answer_checkpoint(size >= 0, image, size, t2 - t0, t2 - t1);
	return size >= 0;
}

/*
 * A forked child can take the engine's signal before its engine is set up:
 * until child_after_fork is done it has its parent's ids or connection, or
 * none, and has not said hello. Only a debugger does that: for a snapshot it
 * queues the signal on each single-threaded process it holds, a child it keeps
 * at the fork or stopped inside child_after_fork included. Handled then, the
 * child would find no order (or read its parent's) and run on, left out of the
 * snapshot and never back at the hold trap. So the signal waits until the child
 * said hello on its own connection, and the order a newcomer gets is waited for.
 */
static volatile int32_t deferred_pid, joining; /* joining: in child_after_fork */
static int order_wait_ms; /* for the next order, after a deferral */
#define DEFERRED_ORDER_WAIT_MS 10000

static int defer_in_new_child(void)
{
	int pid = (int)SYS0(SYS_getpid);
	if (pid == ckpt_rt.real_pid && !joining)
		return 0;
	deferred_pid = pid;
	return 1;
}

/* At the end of child_after_fork: the signal it deferred, taken now. */
static void take_deferred_signal(void)
{
	if (deferred_pid != ckpt_rt.real_pid)
		return;
	deferred_pid = 0;
	order_wait_ms = DEFERRED_ORDER_WAIT_MS;
	SYS3(SYS_tgkill, ckpt_rt.real_pid, ckpt_real_tid(), ckpt_rt.ckpt_signal);
}

/* "key":true in an order */
static int order_flag(const char *order, const char *key)
{
	char v[8] = "";
	ckpt_order_field(order, key, v, sizeof v);
	return !__builtin_strcmp(v, "true");
}

static void leader(ucontext_t *uc)
{
	static char order[8192];
	static char image[4096];
	fail_msg[0] = 0;
	int held_before = hold_mode;
	hold_mode = 0;
	/* the coordinator writes the order before it sends the signal: no order
	 * there now means a stray signal (a deferred one waits, see above) */
	ckpt_background_reap();
	int wait_ms = order_wait_ms;
	order_wait_ms = 0;
	if (ckpt_control_read_order(order, sizeof order, wait_ms) < 0) {
		int slot = ckpt_threads_slot_of_self();
		hold_mode = held_before && slot >= 0 && signaled_gen[slot] == ckpt_generation && !ckpt_threads_slot_captured(slot);
		return;
	}
	char cmd[32];
	if (!ckpt_order_field(order, "cmd", cmd, sizeof cmd))
		return;
	if (!__builtin_strcmp(cmd, "status")) {
		answer_status();
		return;
	}
	if (__builtin_strcmp(cmd, "checkpoint") || !ckpt_order_field(order, "image", image, sizeof image)) {
		ckpt_fail("unknown order");
		answer_checkpoint(0, "", 0, 0, 0);
		return;
	}
	int kill_after = order_flag(order, "kill");
	int sync = order_flag(order, "sync");
	hold_mode = order_flag(order, "hold");
	ckpt_mem_take_order(order); /* "as" and "parent": may the image be an increment */

	uint64_t t0 = ckpt_now_ns();
	ckpt_generation++;
	__atomic_store_n(&ckpt_rt.parked, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&started, 1, __ATOMIC_RELEASE);
	futex_wake(&started);
	if (hold_mode)
		signal_known_threads(ckpt_real_tid());
	capture_self(uc);
	int ok = stop_all_threads() == 0;
	uint64_t t1 = ckpt_now_ns();
	if (sync) {
		/* Several processes: every one is stopped before any is saved, and
		 * none goes on before all are saved (pipes between them are drained
		 * and refilled while everyone is still). */
		answer_stopped(ok);
		if (!ok)
			return;
		if (ckpt_control_read_order(order, sizeof order, 120000) < 0 || !ckpt_order_field(order, "cmd", cmd, sizeof cmd) ||
		    __builtin_strcmp(cmd, "write"))
			goto resume; /* aborted: nothing written */
	}
	int background = 0;
	if (ok)
		ok = save(image, t0, t1, kill_after, sync, &background);
	else
		answer_checkpoint(0, image, -1, 0, 0);
	if (background && !sync)
		goto resume;
	if (sync) {
		if (ckpt_control_read_order(order, sizeof order, 120000) >= 0 && ckpt_order_field(order, "cmd", cmd, sizeof cmd) &&
		    !__builtin_strcmp(cmd, "kill") && ok)
			kill_after = 1;
		else
			kill_after = 0;
	}
	if (ok && kill_after) {
		/* hibernate: nothing after the saved state may run */
		for (;;)
			SYS2(SYS_kill, ckpt_rt.real_pid, SIGKILL);
	}
resume:
	for (int i = nplugins - 1; i >= 0; i--)
		if (plugins[i]->resume)
			plugins[i]->resume();
	ckpt_background_resumed();
}

/* Hold mode: return into the program through a trap, so that the debugger
 * that queued the signals stops each thread right before its context comes
 * back; one single-step (over rt_sigreturn) then puts it at its own
 * instruction again with nothing of the program run. */
__attribute__((noreturn)) void ckpt_hold_return(ucontext_t *uc);
__asm__(".text\n"
	".globl ckpt_hold_return\n"
	".hidden ckpt_hold_return\n"
	"ckpt_hold_return:\n"
	"  mov %rdi, %rsp\n"
	"  mov $15, %eax\n"
	"  int3\n"
	".globl ckpt_hold_sigreturn\n"
	"ckpt_hold_sigreturn:\n"
	"  syscall\n"
	"  hlt\n");

static void handler(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	int saved_errno = errno;
	int32_t expected = 0;
	int hold;
	if (defer_in_new_child()) {
		errno = saved_errno;
		return;
	}
	int32_t gen = __atomic_load_n(&ckpt_rt.release, __ATOMIC_ACQUIRE);
	if (__atomic_compare_exchange_n(&ckpt_rt.busy, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		leader((ucontext_t *)ucv);
		hold = hold_mode;
		/* let the followers go: the generation first, see follower() */
		__atomic_store_n(&started, 0, __ATOMIC_RELEASE);
		__atomic_add_fetch(&ckpt_rt.release, 1, __ATOMIC_ACQ_REL);
		__atomic_store_n(&ckpt_rt.busy, 0, __ATOMIC_RELEASE);
		futex_wake(&ckpt_rt.release);
	} else {
		follower((ucontext_t *)ucv, gen);
		hold = hold_mode;
	}
	/* whatever the signal was for (a status order, a late or stray signal),
	 * the wait it cut short is made again: a saved thread's was already, in
	 * its capture, and a second time changes nothing */
	ckpt_restart_interrupted_wait((ucontext_t *)ucv, -1);
	errno = saved_errno;
	if (hold)
		ckpt_hold_return((ucontext_t *)ucv);
}

int ckpt_signal(void) { return ckpt_rt.ckpt_signal; }

/* libc's sigaction, past the signals plugin's wrapper (which keeps the
 * program away from the engine's signal) */
int ckpt_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	static int (*real)(int, const struct sigaction *, struct sigaction *);
	if (!real)
		real = (int (*)(int, const struct sigaction *, struct sigaction *))dlsym(RTLD_NEXT, "sigaction");
	return real(sig, act, old);
}

int ckpt_install_handler(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	/* the real sigaction: the wrapper keeps the program away from this signal */
	return ckpt_real_sigaction(ckpt_rt.ckpt_signal, &sa, 0);
}

/* ---------- start-up ---------- */

static void child_after_fork(void)
{
	joining = 1;
	/* the parent's ids, from its copy of the state (it may be gone: getppid() says 1) */
	int parent_vpid = ckpt_rt.vpid, parent_real = ckpt_rt.real_pid;
	ckpt_rt.real_pid = (int)SYS0(SYS_getpid);
	ckpt_rt.vppid = parent_vpid;
	ckpt_rt.vpid = ckpt_rt.real_pid; /* the kernel's, unless a plugin's after_fork says otherwise */
	for (int i = 0; i < nplugins; i++)
		if (plugins[i]->after_fork)
			plugins[i]->after_fork(parent_vpid, parent_real);
	ckpt_rt.busy = 0;
	ckpt_background_forget(); /* the parent's writers are not this child's */
	ckpt_threads_reset_after_fork();
	/* the inherited connection is the parent's: the child closes its copy and
	 * introduces itself on a connection of its own */
	if (ckpt_rt.ctl_fd >= 0)
		SYS1(SYS_close, ckpt_rt.ctl_fd);
	ckpt_rt.ctl_fd = -1;
	ckpt_control_connect(0, 0);
	joining = 0;
	take_deferred_signal();
}

__attribute__((constructor(200))) static void ckpt_init(void)
{
	ckpt_rt.magic = CKPT_RUNTIME_MAGIC;
	extern char **environ;
	ckpt_rt.environ_addr = (uint64_t)&environ;
	ckpt_rt.real_pid = (int)SYS0(SYS_getpid);
	ckpt_rt.vpid = ckpt_rt.real_pid;
	ckpt_rt.vppid = (int)SYS0(SYS_getppid);
	/* plugins registered from earlier constructors; the ids plugin takes the
	 * ids a program exec'd or spawned by one of the computation inherits */
	for (int i = 0; i < nplugins; i++)
		if (plugins[i]->at_start)
			plugins[i]->at_start();
	ckpt_rt.ctl_fd = -1;
	const char *s = getenv("CKPT_SIGNAL");
	ckpt_rt.ckpt_signal = s && atoi(s) > 0 ? atoi(s) : CKPT_DEFAULT_SIGNAL;
	const char *sock = getenv("CKPT_ENGINE_SOCKET");
	if (sock)
		ckpt_strlcpy(ckpt_rt.restart.sock_path, sock, sizeof ckpt_rt.restart.sock_path);
	ckpt_threads_register(ckpt_rt.vpid, ckpt_rt.real_pid, (uint64_t)pthread_self());
	ckpt_install_handler();
	pthread_atfork(0, 0, child_after_fork);
	ckpt_control_connect(0, 0);
}

/* ---------- for restarted.c ---------- */

void ckpt_core_restarted(void)
{
	ckpt_rt.busy = 0;
	ckpt_background_forget();
	ckpt_rt.parked = 0;
	started = 0; /* the image was written in the middle of a checkpoint */
}

/* in reverse order, as the restart hooks */
void ckpt_plugins_restart_thread(ucontext_t *uc)
{
	int slot = ckpt_threads_slot_of_self();
	for (int i = nplugins - 1; i >= 0; i--)
		if (plugins[i]->restart_thread)
			plugins[i]->restart_thread(slot, uc);
}

void ckpt_plugins_restart(void)
{
	for (int i = nplugins - 1; i >= 0; i--)
		if (plugins[i]->restart)
			plugins[i]->restart();
}

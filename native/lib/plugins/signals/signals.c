/*
 * signals: dispositions, pending signals and interval timers, saved at
 * checkpoint and set again by the restorer. Masks and alternate stacks are per
 * thread and live in each thread's signal frame. The wrappers keep the program
 * from blocking or taking over the engine's own signal: a checkpoint must be
 * able to reach every thread at any time.
 */
#include "../../engine.h"
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>

struct kernel_sigaction {
	uint64_t handler, flags, restorer, mask;
};

/* what the program asked for the engine's signal, reported back as if applied */
static struct sigaction shadow;

int ckpt_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	static int (*real)(int, const struct sigaction *, struct sigaction *);
	if (!real)
		real = (int (*)(int, const struct sigaction *, struct sigaction *))dlsym(RTLD_NEXT, "sigaction");
	return real(sig, act, old);
}

CKPT_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (sig == ckpt_rt.ckpt_signal && ckpt_rt.ckpt_signal) {
		if (old)
			*old = shadow;
		if (act)
			shadow = *act;
		return 0;
	}
	return ckpt_real_sigaction(sig, act, old);
}

CKPT_EXPORT sighandler_t signal(int sig, sighandler_t fn)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

static const sigset_t *without_ours(int how, const sigset_t *set, sigset_t *copy)
{
	if (!set || how == SIG_UNBLOCK || !ckpt_rt.ckpt_signal)
		return set;
	*copy = *set;
	sigdelset(copy, ckpt_rt.ckpt_signal);
	return copy;
}

CKPT_EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	static int (*real)(int, const sigset_t *, sigset_t *);
	if (!real)
		real = (int (*)(int, const sigset_t *, sigset_t *))dlsym(RTLD_NEXT, "pthread_sigmask");
	sigset_t copy;
	return real(how, without_ours(how, set, &copy), old);
}

CKPT_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	static int (*real)(int, const sigset_t *, sigset_t *);
	if (!real)
		real = (int (*)(int, const sigset_t *, sigset_t *))dlsym(RTLD_NEXT, "sigprocmask");
	sigset_t copy;
	return real(how, without_ours(how, set, &copy), old);
}

static int signals_checkpoint(struct ckpt_writer *w)
{
	static struct ckpt_img_signals s;
	memset(&s, 0, sizeof s);
	for (int sig = 1; sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		struct kernel_sigaction k;
		if (SYS4(SYS_rt_sigaction, sig, 0, &k, 8) == 0) {
			s.act[sig].handler = k.handler;
			s.act[sig].flags = k.flags;
			s.act[sig].restorer = k.restorer;
			s.act[sig].mask = k.mask;
		}
	}
	char status[4096];
	if (ckpt_read_file("/proc/self/status", status, sizeof status) > 0)
		s.shared_pending = ckpt_status_hex(status, "ShdPnd") & ~(1ull << (ckpt_rt.ckpt_signal - 1));
	for (int which = 0; which < 3; which++) {
		struct itimerval it;
		if (SYS2(SYS_getitimer, which, &it) == 0) {
			s.itimer[which].interval_sec = it.it_interval.tv_sec;
			s.itimer[which].interval_usec = it.it_interval.tv_usec;
			s.itimer[which].value_sec = it.it_value.tv_sec;
			s.itimer[which].value_usec = it.it_value.tv_usec;
		}
	}
	if (ckpt_section_begin(w, CKPT_SEC_SIGNALS, 0) < 0 || ckpt_section_write(w, &s, sizeof s) < 0)
		return -1;
	return ckpt_section_end(w);
}

static const struct ckpt_plugin signals_plugin = {
	.name = "signals",
	.order = 20,
	.checkpoint = signals_checkpoint,
};
CKPT_PLUGIN(signals_plugin)

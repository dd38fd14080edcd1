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
#include <time.h>

struct kernel_sigaction {
	uint64_t handler, flags, restorer, mask;
};

/* what the program asked for the engine's signal, reported back as if applied */
static struct sigaction shadow;

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

/* POSIX timers from /proc/self/timers, with what remains of each */
static void save_timers(struct ckpt_img_signals *s)
{
	static char text[16384];
	if (ckpt_read_file("/proc/self/timers", text, sizeof text) <= 0)
		return;
	for (const char *l = text; *l && s->ntimers < 32;) {
		if (ckpt_startswith(l, "ID:")) {
			const char *p = l + 3;
			__typeof__(s->timers[0]) *t = &s->timers[s->ntimers];
			__builtin_memset(t, 0, sizeof *t);
			t->id = (int32_t)ckpt_parse_long(&p);
			for (; *l; l++) {
				if (ckpt_startswith(l, "signal:")) {
					p = l + 7;
					t->signo = (int32_t)ckpt_parse_long(&p);
					if (*p == '/')
						p++;
					t->value = ckpt_parse_hex(&p);
				} else if (ckpt_startswith(l, "notify:")) {
					p = l + 7;
					while (*p == ' ' || *p == '\t')
						p++;
					/* "signal/pid.N", "none/pid.N", or ".../tid.N" for a
					 * timer aimed at one thread (SIGEV_THREAD_ID) */
					t->notify = ckpt_startswith(p, "none") ? 1 /* SIGEV_NONE */ : 0;
					while (*p && *p != '/' && *p != '\n')
						p++;
					if (ckpt_startswith(p, "/tid."))
						t->notify |= 4; /* SIGEV_THREAD_ID */
					while (*p && *p != '.' && *p != '\n')
						p++;
					if (*p == '.') {
						p++;
						int real = (int)ckpt_parse_long(&p);
						t->tid = real;
						for (int i = 0; i < CKPT_MAX_THREADS; i++)
							if (ckpt_rt.threads[i].used && ckpt_rt.threads[i].tid == real)
								t->tid = ckpt_rt.threads[i].vtid;
					}
				} else if (ckpt_startswith(l, "ClockID:")) {
					p = l + 8;
					t->clockid = (int32_t)ckpt_parse_long(&p);
					break;
				}
			}
			struct itimerspec cur;
			if (SYS2(SYS_timer_gettime, t->id, &cur) == 0) {
				t->interval_sec = cur.it_interval.tv_sec;
				t->interval_nsec = cur.it_interval.tv_nsec;
				t->value_sec = cur.it_value.tv_sec;
				t->value_nsec = cur.it_value.tv_nsec;
				s->ntimers++;
			}
		}
		while (*l && *l != '\n')
			l++;
		if (*l)
			l++;
	}
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
	if (s.shared_pending)
		s.nshared_info = (uint32_t)ckpt_pending_requeue(s.shared_pending, s.shared_info, 32, ckpt_rt.real_pid, 0);
	save_timers(&s);
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

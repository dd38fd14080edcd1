/*
 * ids: virtual process and thread ids. A process keeps the PID and TIDs it had
 * when it started, whatever the kernel hands out after a restart: glibc caches
 * TIDs inside its thread descriptors and in mutex owner fields, so the program's
 * view must not change. Each wrapper translates virtual → real on the way to the
 * kernel and real → virtual on the way back.
 */
#include "../../engine.h"
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

static int real_pid_of(pid_t pid)
{
	if (pid == ckpt_rt.vpid)
		return ckpt_rt.real_pid;
	if (pid == -ckpt_rt.vpid)
		return -ckpt_rt.real_pid;
	return pid;
}

static long ret_errno(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

CKPT_EXPORT pid_t getpid(void) { return ckpt_rt.vpid ? ckpt_rt.vpid : (pid_t)SYS0(SYS_getpid); }

CKPT_EXPORT pid_t getppid(void)
{
	/* the parent's virtual PID: after a restart the real parent is new */
	return ckpt_rt.vppid ? ckpt_rt.vppid : (pid_t)SYS0(SYS_getppid);
}

CKPT_EXPORT pid_t gettid(void) { return ckpt_threads_virtual_of_self(); }

CKPT_EXPORT int kill(pid_t pid, int sig)
{
	return (int)ret_errno(SYS2(SYS_kill, real_pid_of(pid), sig));
}

CKPT_EXPORT int tgkill(pid_t tgid, pid_t tid, int sig)
{
	return (int)ret_errno(SYS3(SYS_tgkill, real_pid_of(tgid), ckpt_threads_real_of_virtual(tid), sig));
}

CKPT_EXPORT int pthread_kill(pthread_t th, int sig)
{
	/* glibc would use the TID cached in the thread descriptor, which is virtual */
	int tid = ckpt_threads_real_of_pthread((uint64_t)th);
	if (tid < 0) {
		static int (*real)(pthread_t, int);
		if (!real)
			real = (int (*)(pthread_t, int))dlsym(RTLD_NEXT, "pthread_kill");
		return real(th, sig);
	}
	long r = SYS3(SYS_tgkill, ckpt_rt.real_pid, tid, sig);
	return r < 0 ? (int)-r : 0;
}

CKPT_EXPORT int sigqueue(pid_t pid, int sig, const union sigval value)
{
	siginfo_t si;
	__builtin_memset(&si, 0, sizeof si);
	si.si_signo = sig;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value = value;
	return (int)ret_errno(SYS3(SYS_rt_sigqueueinfo, real_pid_of(pid), sig, &si));
}

CKPT_EXPORT long syscall(long n, ...)
{
	va_list ap;
	va_start(ap, n);
	long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
	long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
	va_end(ap);
	switch (n) {
	case SYS_getpid: return getpid();
	case SYS_getppid: return getppid();
	case SYS_gettid: return gettid();
	case SYS_kill: return kill((pid_t)a, (int)b);
	case SYS_tgkill: return tgkill((pid_t)a, (pid_t)b, (int)c);
	case SYS_tkill: return ret_errno(SYS2(SYS_tkill, ckpt_threads_real_of_virtual((int)a), b));
	default: return ret_errno(ckpt_sys(n, a, b, c, d, e, f));
	}
}

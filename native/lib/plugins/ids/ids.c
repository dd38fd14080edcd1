/*
 * ids: virtual process and thread ids. A process keeps the PID and TIDs it had
 * when it started, whatever the kernel hands out after a restart: glibc caches
 * TIDs inside its thread descriptors and in mutex owner fields, so the program's
 * view must not change. Each wrapper translates virtual → real on the way to the
 * kernel and real → virtual on the way back.
 */
#include "ids.h"
#include "../memory/dirty.h"
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/* virtual → real for any process of the computation; identity when unknown */
int ckpt_pid_real(pid_t v)
{
	if (v == ckpt_rt.vpid)
		return ckpt_rt.real_pid;
	for (int i = 0; i < ckpt_rt.npids && i < CKPT_MAX_PROCS; i++)
		if (ckpt_rt.pidmap[i].vpid == v)
			return ckpt_rt.pidmap[i].pid;
	return v;
}

int ckpt_pid_virtual(pid_t r)
{
	if (r == ckpt_rt.real_pid)
		return ckpt_rt.vpid;
	for (int i = 0; i < ckpt_rt.npids && i < CKPT_MAX_PROCS; i++)
		if (ckpt_rt.pidmap[i].pid == r)
			return ckpt_rt.pidmap[i].vpid;
	return r;
}

static int vpid_taken(pid_t v)
{
	if (v == ckpt_rt.vpid)
		return 1;
	for (int i = 0; i < ckpt_rt.npids && i < CKPT_MAX_PROCS; i++)
		if (ckpt_rt.pidmap[i].vpid == v)
			return 1;
	return 0;
}

void ckpt_pid_add(pid_t v, pid_t r)
{
	if (v == r && !vpid_taken(v))
		return; /* identity needs no entry */
	if (ckpt_rt.npids < CKPT_MAX_PROCS) {
		ckpt_rt.pidmap[ckpt_rt.npids].vpid = v;
		ckpt_rt.pidmap[ckpt_rt.npids].pid = r;
		ckpt_rt.npids++;
	}
}

/* The virtual PID of a new child: its real one, unless that already names
 * another process of the computation (after a restart real PIDs are reused). */
int ckpt_pid_for_new_child(pid_t real)
{
	return vpid_taken(real) ? real + CKPT_VPID_BASE : real;
}

static int restarts;

int ckpt_ids_restarts(void) { return restarts; }

/*
 * A checkpoint can land between the kernel's answer to fork or posix_spawn and
 * this translation. After a restart from that snapshot the number is then the
 * child's real PID from before it, which the child, restored with the rest,
 * keeps as its virtual one (the rule below, applied then): the rule applied
 * now with the new map would give another (a vpid that is now taken), and the
 * parent would wait for a child that never ends (make: "wait: No child
 * processes"). A child made after the restart is a child of this process by
 * that number; one made before is not.
 */
pid_t ckpt_pid_of_new_child(pid_t real, int restarts_before)
{
	if (restarts_before != restarts) {
		siginfo_t si;
		__builtin_memset(&si, 0, sizeof si);
		if (SYS6(SYS_waitid, P_PID, real, &si, WEXITED | WNOHANG | WNOWAIT, 0, 0) == -ECHILD)
			return vpid_taken(real + CKPT_VPID_BASE) ? real + CKPT_VPID_BASE : real;
	}
	pid_t v = ckpt_pid_for_new_child(real);
	if (v != real)
		ckpt_pid_add(v, real);
	return v;
}

/* pid arguments: >0 a process, <-1 a process group, 0 and -1 as they are */
static int real_pid_of(pid_t pid)
{
	if (pid > 0)
		return ckpt_pid_real(pid);
	if (pid < -1)
		return -ckpt_pid_real(-pid);
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

/* The real process the virtual parent (vppid) stands for. When the kernel
 * names another parent, the first one has died and init or a subreaper has
 * adopted the process: getppid() then says so, as it would without the
 * engine (workers that poll getppid() to notice their parent's death). */
static int known_real_ppid = -1;
static int parent_alive_at_checkpoint;


CKPT_EXPORT pid_t getppid(void)
{
	pid_t real = (pid_t)SYS0(SYS_getppid);
	if (ckpt_rt.vppid && real == known_real_ppid)
		return ckpt_rt.vppid; /* after a restart the real parent is new */
	return ckpt_pid_virtual(real);
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

/* what the kernel's sigqueue would fill in, with the virtual PID */
static void queued_info(siginfo_t *si, int sig, const union sigval value)
{
	__builtin_memset(si, 0, sizeof *si);
	si->si_signo = sig;
	si->si_code = SI_QUEUE;
	si->si_pid = getpid();
	si->si_uid = getuid();
	si->si_value = value;
}

CKPT_EXPORT int sigqueue(pid_t pid, int sig, const union sigval value)
{
	siginfo_t si;
	queued_info(&si, sig, value);
	return (int)ret_errno(SYS3(SYS_rt_sigqueueinfo, real_pid_of(pid), sig, &si));
}

/* Another process's memory read or written by its PID (Open MPI's shared-memory
 * transport moves large messages so, "single-copy" through CMA) */
CKPT_EXPORT ssize_t process_vm_readv(pid_t pid, const struct iovec *local, unsigned long nlocal,
				     const struct iovec *remote, unsigned long nremote, unsigned long flags)
{
	return ret_errno(SYS6(SYS_process_vm_readv, real_pid_of(pid), local, nlocal, remote, nremote, flags));
}

CKPT_EXPORT ssize_t process_vm_writev(pid_t pid, const struct iovec *local, unsigned long nlocal,
				      const struct iovec *remote, unsigned long nremote, unsigned long flags)
{
	return ret_errno(SYS6(SYS_process_vm_writev, real_pid_of(pid), local, nlocal, remote, nremote, flags));
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
	case SYS_process_vm_readv:
	case SYS_process_vm_writev: return ret_errno(ckpt_sys(n, real_pid_of((pid_t)a), b, c, d, e, f));
	case SYS_userfaultfd: /* a range can be registered with one userfaultfd only: the engine's goes */
		ckpt_dirty_step_aside("the program uses userfaultfd");
		return ret_errno(ckpt_sys(n, a, b, c, d, e, f));
	default: return ret_errno(ckpt_sys(n, a, b, c, d, e, f));
	}
}

CKPT_EXPORT pid_t waitpid(pid_t pid, int *status, int options)
{
	return (pid_t)ckpt_pid_virtual((pid_t)ret_errno(SYS4(SYS_wait4, real_pid_of(pid), status, options, 0)));
}

CKPT_EXPORT pid_t wait(int *status) { return waitpid(-1, status, 0); }

CKPT_EXPORT pid_t wait3(int *status, int options, struct rusage *ru)
{
	return (pid_t)ckpt_pid_virtual((pid_t)ret_errno(SYS4(SYS_wait4, -1, status, options, ru)));
}

CKPT_EXPORT pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	return (pid_t)ckpt_pid_virtual((pid_t)ret_errno(SYS4(SYS_wait4, real_pid_of(pid), status, options, ru)));
}

CKPT_EXPORT int waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
	if (type == P_PID || type == P_PGID)
		id = (id_t)ckpt_pid_real((pid_t)id);
	long r = ret_errno(SYS6(SYS_waitid, type, id, info, options, 0, 0));
	if (r == 0 && info && info->si_pid)
		info->si_pid = ckpt_pid_virtual(info->si_pid);
	return (int)r;
}

CKPT_EXPORT pid_t getpgid(pid_t pid)
{
	return (pid_t)ckpt_pid_virtual((pid_t)ret_errno(SYS1(SYS_getpgid, real_pid_of(pid))));
}

CKPT_EXPORT pid_t getpgrp(void) { return getpgid(0); }

CKPT_EXPORT int setpgid(pid_t pid, pid_t pgid)
{
	return (int)ret_errno(SYS2(SYS_setpgid, real_pid_of(pid), real_pid_of(pgid)));
}

CKPT_EXPORT pid_t getsid(pid_t pid)
{
	return (pid_t)ckpt_pid_virtual((pid_t)ret_errno(SYS1(SYS_getsid, real_pid_of(pid))));
}

CKPT_EXPORT pid_t fork(void)
{
	static pid_t (*real)(void);
	if (!real)
		real = (pid_t(*)(void))dlsym(RTLD_NEXT, "fork");
	int before = restarts;
	pid_t child = real();
	/* the child computed the same virtual PID in its atfork handler */
	return child > 0 ? ckpt_pid_of_new_child(child, before) : child;
}

/* Exited children that the parent has not reaped are saved so that the
 * restored parent can still wait for them. */
static int ids_checkpoint(struct ckpt_writer *w)
{
	parent_alive_at_checkpoint = SYS0(SYS_getppid) == known_real_ppid;
	char path[64], buf[4096];
	if (ckpt_section_begin(w, CKPT_SEC_ZOMBIES, 0) < 0)
		return -1;
	for (int i = 0; i < CKPT_MAX_THREADS; i++) {
		if (!ckpt_rt.threads[i].used)
			continue;
		ckpt_fmt(path, sizeof path, "/proc/self/task/%d/children", ckpt_rt.threads[i].tid);
		if (ckpt_read_file(path, buf, sizeof buf) <= 0)
			continue;
		for (const char *p = buf; *p;) {
			long child = ckpt_parse_long(&p);
			while (*p == ' ' || *p == '\n')
				p++;
			if (child <= 0)
				break;
			siginfo_t si;
			__builtin_memset(&si, 0, sizeof si);
			if (SYS6(SYS_waitid, P_PID, child, &si, WEXITED | WNOHANG | WNOWAIT, 0, 0) == 0 && si.si_pid) {
				struct ckpt_img_zombie z = { ckpt_pid_virtual((pid_t)child), si.si_code, si.si_status, 0 };
				if (ckpt_section_write(w, &z, sizeof z) < 0)
					return -1;
			}
		}
	}
	return ckpt_section_end(w);
}

/* The parent, when it was alive at the checkpoint: restored with the
 * computation (its new real PID), or outside it (the restarting command). */
static void ids_restart(void)
{
	restarts++;
	if (!parent_alive_at_checkpoint)
		known_real_ppid = -1;
	else if (vpid_taken(ckpt_rt.vppid))
		known_real_ppid = ckpt_pid_real(ckpt_rt.vppid);
	else
		known_real_ppid = (int)SYS0(SYS_getppid);
}

static void ids_at_start(void)
{
	ckpt_ids_inherit(); /* a program exec'd or spawned by one of the computation */
	known_real_ppid = (int)SYS0(SYS_getppid);
}

static void ids_after_fork(int parent_vpid, int parent_real)
{
	known_real_ppid = parent_real;
	/* the parent is one of the others now: after a restart its two ids
	 * differ, and kill($PPID) or /proc/$PPID must still find it */
	if (parent_vpid != parent_real)
		ckpt_pid_add(parent_vpid, parent_real);
	/* the same rule the parent's fork() applies to the value it returns;
	 * the child has no virtual PID of its own while it is applied */
	ckpt_rt.vpid = 0;
	ckpt_rt.vpid = ckpt_pid_for_new_child(ckpt_rt.real_pid);
}

static const struct ckpt_plugin ids_plugin = {
	.name = "ids",
	.order = 40,
	.checkpoint = ids_checkpoint,
	.restart = ids_restart,
	.at_start = ids_at_start,
	.after_fork = ids_after_fork,
	.capture = ckpt_ids_note_rewound,
	.restart_thread = ckpt_ids_fix_rewound,
};
CKPT_PLUGIN(ids_plugin)

/* The terminal's foreground process group, in virtual ids (job-control shells). */
CKPT_EXPORT int tcsetpgrp(int fd, pid_t pgrp)
{
	int real = ckpt_pid_real(pgrp);
	return (int)ret_errno(SYS3(SYS_ioctl, fd, TIOCSPGRP, &real));
}

CKPT_EXPORT pid_t tcgetpgrp(int fd)
{
	int real = 0;
	if (ret_errno(SYS3(SYS_ioctl, fd, TIOCGPGRP, &real)) < 0)
		return -1;
	return ckpt_pid_virtual(real);
}

CKPT_EXPORT int pthread_sigqueue(pthread_t th, int sig, const union sigval value)
{
	/* like pthread_kill: glibc would use the descriptor's cached (virtual) TID */
	int tid = ckpt_threads_real_of_pthread((uint64_t)th);
	if (tid < 0) {
		static int (*real)(pthread_t, int, const union sigval);
		if (!real)
			real = (int (*)(pthread_t, int, const union sigval))dlsym(RTLD_NEXT, "pthread_sigqueue");
		return real(th, sig, value);
	}
	siginfo_t si;
	queued_info(&si, sig, value);
	long r = SYS4(SYS_rt_tgsigqueueinfo, ckpt_rt.real_pid, tid, sig, &si);
	return r < 0 ? (int)-r : 0;
}

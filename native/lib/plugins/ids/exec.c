/*
 * ids across exec: a new program image starts with a fresh copy of the
 * library, which would otherwise take its real PID as its virtual one and its
 * real parent as its parent. After a restart those differ from what the rest
 * of the computation knows (the parent's fork() returned the old virtual PID;
 * the child's getppid() must name the parent by its virtual PID).
 *
 * So every exec and posix_spawn passes the identity on in one environment
 * variable, CKPT_IDENTITY=VPID:PID:VPPID:PPID[:V=P,V=P...] (the sender's
 * virtual and real PID, its virtual and real parent, and the computation's
 * virtual ↔ real map). It is added only when some id is not the identity, so
 * a program that was never restarted sees no change. CKPT_STDIO (the
 * computation's standard files, lib/stdio.c) is kept current the same way.
 * system() and popen()
 * spawn from inside libc with the process's own environment: for the length
 * of the call, environ points to a copy with the variable. (Never for longer:
 * programs such as perl own their environ array and free it at exit.)
 *
 * The receiver (ckpt_ids_inherit, from the constructor) tells the two cases
 * apart by the real PID: its own means the same process after exec; another
 * means a child, which takes its ids from the map as fork() would.
 */
#include "ids.h"
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define IDENTITY_VAR "CKPT_IDENTITY="
#define IDENTITY_MAX (64 + 24 * CKPT_MAX_PROCS)

/* Is every id of this process and of the map the kernel's own? */
static int identity_is_trivial(void)
{
	return ckpt_rt.npids == 0 && ckpt_rt.vpid == ckpt_rt.real_pid &&
	       ckpt_rt.vppid == (int)SYS0(SYS_getppid);
}

/* "CKPT_IDENTITY=..." into buf (IDENTITY_MAX bytes) */
static void format_identity(char *buf)
{
	int n = ckpt_fmt(buf, IDENTITY_MAX, IDENTITY_VAR "%d:%d:%d:%d:", ckpt_rt.vpid, ckpt_rt.real_pid, ckpt_rt.vppid,
			 (int)SYS0(SYS_getppid));
	for (int i = 0; i < ckpt_rt.npids && i < CKPT_MAX_PROCS; i++)
		n += ckpt_fmt(buf + n, IDENTITY_MAX - (size_t)n, i ? ",%d=%d" : "%d=%d", ckpt_rt.pidmap[i].vpid,
			      ckpt_rt.pidmap[i].pid);
}

static size_t env_count(char *const *envp)
{
	size_t n = 0;
	while (envp && envp[n])
		n++;
	return n;
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* envp with the current identity and standard files (lib/stdio.c) in place
 * of any old ones; envp itself when nothing changes. out has room for n + 3,
 * buf for IDENTITY_MAX, sbuf for CKPT_STDIO_MAX. */
static char *const *with_identity(char *const *envp, char **out, char *buf, char *sbuf)
{
	int need_id = !identity_is_trivial(), have_stdio = ckpt_stdio_env(sbuf);
	int changed = need_id, same_stdio = 0;
	size_t k = 0;
	for (size_t i = 0; envp && envp[i]; i++) {
		if (ckpt_startswith(envp[i], IDENTITY_VAR)) {
			changed = 1;
		} else if (ckpt_startswith(envp[i], "CKPT_STDIO=")) {
			if (have_stdio && streq(envp[i], sbuf))
				same_stdio = 1;
			else
				changed = 1;
		} else {
			out[k++] = envp[i];
		}
	}
	if (have_stdio && !same_stdio)
		changed = 1;
	if (!changed)
		return envp;
	if (need_id) {
		format_identity(buf);
		out[k++] = buf;
	}
	if (have_stdio)
		out[k++] = sbuf;
	out[k] = 0;
	return out;
}

/* The real functions, looked up once from the constructor: an exec may come
 * from a vfork() child, where the loader's locks must not be taken. */
typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);
typedef int (*execveat_fn)(int, const char *, char *const[], char *const[], int);
typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			const posix_spawnattr_t *, char *const[], char *const[]);
static execve_fn real_execve, real_execvpe;
static fexecve_fn real_fexecve;
static execveat_fn real_execveat;
static spawn_fn real_spawn, real_spawnp;
static int (*real_system)(const char *);
static FILE *(*real_popen)(const char *, const char *);

__attribute__((constructor(160))) static void resolve_real(void)
{
	real_execve = (execve_fn)dlsym(RTLD_NEXT, "execve");
	real_execvpe = (execve_fn)dlsym(RTLD_NEXT, "execvpe");
	real_fexecve = (fexecve_fn)dlsym(RTLD_NEXT, "fexecve");
	real_execveat = (execveat_fn)dlsym(RTLD_NEXT, "execveat");
	real_spawn = (spawn_fn)dlsym(RTLD_NEXT, "posix_spawn");
	real_spawnp = (spawn_fn)dlsym(RTLD_NEXT, "posix_spawnp");
	real_system = (int (*)(const char *))dlsym(RTLD_NEXT, "system");
	real_popen = (FILE * (*)(const char *, const char *)) dlsym(RTLD_NEXT, "popen");
}

/* On the stack, not malloc: vfork() children share the parent's heap. */
#define WITH_ENV(envp, body)                                                   \
	do {                                                                   \
		char *env_out_[env_count(envp) + 3];                           \
		char env_buf_[IDENTITY_MAX], env_sbuf_[CKPT_STDIO_MAX];        \
		char *const *env_ = with_identity(envp, env_out_, env_buf_, env_sbuf_); \
		body;                                                          \
	} while (0)

/*
 * A process of the computation that calls exec is still on the coordinator's
 * list until its connection closes: a checkpoint may signal it while the new
 * image runs with the engine's signal at its default action (which ends the
 * process) until the library's constructor has put the handler back. So the
 * signal is blocked across the call (the mask and a pending signal outlive
 * exec); the new image unblocks it once its handler is in place, and a failed
 * exec puts the mask back as it was.
 */
static uint64_t hold_engine_signal(void)
{
	uint64_t set = 0, old = 0;
	if (ckpt_rt.ckpt_signal > 0)
		set = 1ull << (ckpt_rt.ckpt_signal - 1);
	SYS4(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, 8);
	return old;
}

static int exec_failed(int r, uint64_t held)
{
	int e = errno;
	SYS4(SYS_rt_sigprocmask, SIG_SETMASK, &held, 0, 8);
	errno = e;
	return r;
}

/* after ckpt_init (constructor 200), which installs the handler */
__attribute__((constructor(210))) static void release_engine_signal(void)
{
	if (ckpt_rt.ckpt_signal <= 0)
		return;
	uint64_t set = 1ull << (ckpt_rt.ckpt_signal - 1);
	SYS4(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, 0, 8);
}

#define HELD(call)                                               \
	do {                                                     \
		uint64_t held_ = hold_engine_signal();           \
		return exec_failed(call, held_);                 \
	} while (0)

CKPT_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	WITH_ENV(envp, HELD(real_execve(path, argv, env_)));
}

CKPT_EXPORT int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

CKPT_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	WITH_ENV(envp, HELD(real_execvpe(file, argv, env_)));
}

CKPT_EXPORT int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

CKPT_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	WITH_ENV(envp, HELD(real_fexecve(fd, argv, env_)));
}

CKPT_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	if (!real_execveat)
		HELD((int)ckpt_sys(SYS_execveat, dirfd, (long)path, (long)argv, (long)envp, flags, 0));
	WITH_ENV(envp, HELD(real_execveat(dirfd, path, argv, env_, flags)));
}

/* execl, execle, execlp: the arguments as an array on the stack */
static size_t count_args(const char *arg0, va_list ap)
{
	size_t n = 1;
	va_list c;
	va_copy(c, ap);
	if (arg0)
		while (va_arg(c, char *))
			n++;
	va_end(c);
	return n;
}

static void collect_args(char **argv, const char *arg0, va_list ap)
{
	size_t n = 0;
	argv[n++] = (char *)arg0;
	if (arg0)
		while ((argv[n++] = va_arg(ap, char *)))
			;
	argv[n] = 0;
}

CKPT_EXPORT int execl(const char *path, const char *arg0, ...)
{
	va_list ap;
	va_start(ap, arg0);
	char *argv[count_args(arg0, ap) + 1];
	collect_args(argv, arg0, ap);
	va_end(ap);
	return execve(path, argv, environ);
}

CKPT_EXPORT int execlp(const char *file, const char *arg0, ...)
{
	va_list ap;
	va_start(ap, arg0);
	char *argv[count_args(arg0, ap) + 1];
	collect_args(argv, arg0, ap);
	va_end(ap);
	return execvpe(file, argv, environ);
}

CKPT_EXPORT int execle(const char *path, const char *arg0, ...)
{
	va_list ap;
	va_start(ap, arg0);
	char *argv[count_args(arg0, ap) + 1];
	collect_args(argv, arg0, ap);
	char *const *envp = va_arg(ap, char *const *);
	va_end(ap);
	return execve(path, argv, envp);
}

/* posix_spawn returns the child's PID to the parent: the virtual one, by the
 * rule fork() follows, which the child applies to the same map. */
static int spawned(int r, pid_t *pid, int restarts_before)
{
	if (r == 0 && pid && *pid > 0)
		*pid = ckpt_pid_of_new_child(*pid, restarts_before);
	return r;
}

CKPT_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	int before = ckpt_ids_restarts();
	WITH_ENV(envp, return spawned(real_spawn(pid, path, fa, attr, argv, env_), pid, before));
}

CKPT_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			     const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	int before = ckpt_ids_restarts();
	WITH_ENV(envp, return spawned(real_spawnp(pid, file, fa, attr, argv, env_), pid, before));
}

/* environ is put back only if the call left it alone: a setenv() from
 * another thread meanwhile made an array of its own, which is kept. */
CKPT_EXPORT int system(const char *cmd)
{
	char **saved = environ;
	WITH_ENV(saved, {
		environ = (char **)env_;
		int r = real_system(cmd);
		if (environ == env_)
			environ = saved;
		return r;
	});
}

CKPT_EXPORT FILE *popen(const char *cmd, const char *type)
{
	char **saved = environ;
	WITH_ENV(saved, {
		environ = (char **)env_;
		FILE *f = real_popen(cmd, type);
		if (environ == env_)
			environ = saved;
		return f;
	});
}

/* ---------- the receiving side ---------- */

void ckpt_ids_inherit(void)
{
	const char *s = ckpt_env("CKPT_IDENTITY");
	if (!s)
		return;
	long v = ckpt_parse_long(&s);
	if (*s++ != ':')
		return;
	long r = ckpt_parse_long(&s);
	if (*s++ != ':')
		return;
	long vp = ckpt_parse_long(&s);
	if (*s++ != ':')
		return;
	long rp = ckpt_parse_long(&s);
	if (*s++ != ':')
		return;
	ckpt_rt.npids = 0;
	while (*s >= '0' && *s <= '9') {
		long mv = ckpt_parse_long(&s);
		if (*s++ != '=')
			break;
		long mr = ckpt_parse_long(&s);
		if (mv > 0 && mr > 0 && ckpt_rt.npids < CKPT_MAX_PROCS) {
			ckpt_rt.pidmap[ckpt_rt.npids].vpid = (int32_t)mv;
			ckpt_rt.pidmap[ckpt_rt.npids++].pid = (int32_t)mr;
		}
		if (*s == ',')
			s++;
	}
	int real_ppid = (int)SYS0(SYS_getppid);
	if (r == ckpt_rt.real_pid) {
		/* the same process after exec */
		ckpt_rt.vpid = (int32_t)v;
		ckpt_rt.vppid = real_ppid == rp ? (int32_t)vp : ckpt_pid_virtual(real_ppid);
		return;
	}
	/* a child spawned by the sender: the sender is one of the computation */
	ckpt_rt.vpid = 0;
	ckpt_pid_add((pid_t)v, (pid_t)r);
	ckpt_rt.vpid = ckpt_pid_for_new_child(ckpt_rt.real_pid);
	ckpt_rt.vppid = ckpt_pid_virtual(real_ppid);
}

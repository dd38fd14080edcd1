/*
 * A wait that the engine's signal cut short would return EINTR to the program
 * (poll, epoll_wait, sigwaitinfo, nanosleep... the calls SA_RESTART does not
 * restart). The engine's handler is invisible to the program, so it must not:
 * the interrupted call is made again when the handler returns, with the same
 * arguments (still in their registers), in this process and after a restart.
 */
#include "engine.h"
#include "core.h"
#include <errno.h>

/* The system call a thread waits in, from /proc/self/task/<tid>/syscall, or -1. */
int ckpt_blocked_syscall(int tid)
{
	char path[64], buf[256];
	ckpt_fmt(path, sizeof path, "/proc/self/task/%d/syscall", tid);
	if (ckpt_read_file(path, buf, sizeof buf) <= 0 || buf[0] < '0' || buf[0] > '9')
		return -1;
	const char *p = buf;
	return (int)ckpt_parse_long(&p);
}

static int restartable(long nr)
{
	switch (nr) {
	case SYS_poll: case SYS_ppoll: case SYS_select: case SYS_pselect6:
	case SYS_epoll_wait: case SYS_epoll_pwait: case 441 /* epoll_pwait2 */:
	case SYS_rt_sigtimedwait: case SYS_rt_sigsuspend: case SYS_pause:
	case SYS_nanosleep: case SYS_clock_nanosleep:
		return 1;
	default:
		return 0;
	}
}

void ckpt_restart_interrupted_wait(ucontext_t *uc, long nr)
{
	greg_t *g = uc->uc_mcontext.gregs;
	if (g[REG_RAX] != -EINTR)
		return;
	const unsigned char *ip = (const unsigned char *)g[REG_RIP];
	if (ip[-2] != 0x0f || ip[-1] != 0x05) /* not right after a syscall instruction */
		return;
	if (nr < 0 && ip[-7] == 0xb8) /* mov $nr, %eax right before it, as glibc's wrappers do */
		nr = (long)(ip[-6] | ip[-5] << 8 | ip[-4] << 16 | (unsigned)ip[-3] << 24);
	if (!restartable(nr))
		return;
	g[REG_RAX] = nr;
	g[REG_RIP] -= 2;
}

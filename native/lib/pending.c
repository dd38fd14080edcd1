/*
 * Pending signals keep their siginfo (a sigqueue value, the sender's PID):
 * the kernel shows only which are pending, so to save them they are taken out,
 * read, and queued again in the same order. Used for each thread's own at its
 * capture (threads.c) and for the process's shared ones (the signals plugin).
 */
#include "engine.h"
#include <sys/syscall.h>
#include <time.h>

int ckpt_pending_requeue(uint64_t mask, uint8_t (*info)[128], int max, int pid, int tid)
{
	int n = 0;
	struct timespec zero = { 0, 0 };
	while (n < max) {
		long sig = SYS4(SYS_rt_sigtimedwait, &mask, info[n], &zero, 8);
		if (sig <= 0)
			break;
		n++;
	}
	for (int i = 0; i < n; i++) {
		int sig = ((siginfo_t *)info[i])->si_signo;
		if (tid)
			SYS4(SYS_rt_tgsigqueueinfo, pid, tid, sig, info[i]);
		else
			SYS3(SYS_rt_sigqueueinfo, pid, sig, info[i]);
	}
	return n;
}

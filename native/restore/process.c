/*
 * Process-wide kernel state: the memory-layout fields (brk, arguments,
 * environment, auxv: through PR_SET_MM_MAP, which needs no privilege), the
 * name, working directory, umask, signal dispositions and interval timers.
 */
#include "rt.h"

#define PR_SET_NAME 15
#define PR_SET_MM 35
#define PR_SET_MM_MAP 14

struct prctl_mm_map {
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t start_brk, brk, start_stack;
	uint64_t arg_start, arg_end, env_start, env_end;
	uint64_t *auxv;
	uint32_t auxv_size;
	uint32_t exe_fd;
};

void process_restore(struct image *im)
{
	struct ckpt_img_proc *p = im->proc;
	struct prctl_mm_map m = {
		.start_code = p->start_code, .end_code = p->end_code,
		.start_data = p->start_data, .end_data = p->end_data,
		.start_brk = p->start_brk, .brk = p->brk, .start_stack = p->start_stack,
		.arg_start = p->arg_start, .arg_end = p->arg_end,
		.env_start = p->env_start, .env_end = p->env_end,
		.auxv = im->auxv, .auxv_size = im->auxv_size, .exe_fd = (uint32_t)-1,
	};
	long r = sys5(NR_prctl, PR_SET_MM, PR_SET_MM_MAP, &m, sizeof m, 0);
	if (r < 0) {
		/* without it malloc falls back to mmap when brk fails: degrade, say so */
		out_str(2, "ckpt-restore: warning: cannot restore the program's memory layout (brk): ");
		out_str(2, errno_name(r));
		out_str(2, "\n");
	}
	p->comm[sizeof p->comm - 1] = 0;
	sys2(NR_prctl, PR_SET_NAME, p->comm);
	p->cwd[sizeof p->cwd - 1] = 0;
	if (p->cwd[0])
		sys1(NR_chdir, world_path(p->cwd, 0));
	sys1(NR_umask, p->umask);
	sys1(NR_personality, p->personality);
	/* limits as they were, where allowed (raising a hard limit needs privilege) */
	for (uint32_t i = 0; i < p->rlimit_count && i < 16; i++)
		sys4(NR_prlimit64, 0, i, &p->rlimits[i], 0);

	struct ckpt_img_signals *s = im->signals;
	for (int sig = 1; sig <= 64; sig++) {
		if (sig == 9 || sig == 19)
			continue;
		sys4(NR_rt_sigaction, sig, &s->act[sig], 0, 8);
	}
	for (int which = 0; which < 3; which++) {
		long it[4] = { s->itimer[which].interval_sec, s->itimer[which].interval_usec,
			       s->itimer[which].value_sec, s->itimer[which].value_usec };
		if (it[2] || it[3])
			sys3(NR_setitimer, which, it, 0);
	}
}

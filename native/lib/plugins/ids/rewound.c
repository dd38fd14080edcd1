/*
 * A thread blocked in wait4 or waitid for one child (or one process group)
 * when the checkpoint came is about to make the same call again when it runs
 * on: SA_RESTART rewinds it to its syscall instruction, with the real id the
 * wrapper computed still in its registers. After a restart that id names
 * nobody (ECHILD: a compiler driver would lose its compiler) or somebody
 * else. So the virtual id is noted when the thread is captured, and the
 * register gets the new real id when the thread is restored.
 */
#include "ids.h"
#include <sys/syscall.h>
#include <sys/wait.h>

static struct {
	int32_t has;
	int32_t reg;
	int32_t vid; /* negative: a process group (wait4's -pgid) */
} noted[CKPT_MAX_THREADS];

void ckpt_ids_note_rewound(int slot, ucontext_t *uc)
{
	if (slot < 0 || slot >= CKPT_MAX_THREADS)
		return;
	noted[slot].has = 0;
	greg_t *g = uc->uc_mcontext.gregs;
	const unsigned char *ip = (const unsigned char *)g[REG_RIP];
	if (ip[0] != 0x0f || ip[1] != 0x05) /* not at a syscall instruction */
		return;
	int reg;
	if (g[REG_RAX] == SYS_wait4)
		reg = REG_RDI;
	else if (g[REG_RAX] == SYS_waitid && (g[REG_RDI] == P_PID || g[REG_RDI] == P_PGID))
		reg = REG_RSI;
	else
		return;
	long id = (long)(int)g[reg];
	if (id > 0)
		noted[slot].vid = ckpt_pid_virtual((pid_t)id);
	else if (id < -1)
		noted[slot].vid = -ckpt_pid_virtual((pid_t)-id);
	else
		return; /* any child: nothing to translate */
	noted[slot].reg = reg;
	noted[slot].has = 1;
}

void ckpt_ids_fix_rewound(int slot, ucontext_t *uc)
{
	if (slot < 0 || slot >= CKPT_MAX_THREADS || !noted[slot].has)
		return;
	int v = noted[slot].vid;
	uc->uc_mcontext.gregs[noted[slot].reg] = v > 0 ? ckpt_pid_real(v) : -ckpt_pid_real(-v);
}

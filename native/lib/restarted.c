/*
 * Where a restored process comes back to the library. The restorer jumps to
 * ckpt_restart_main_entry in the thread that becomes the main thread and to
 * ckpt_restart_thread_entry in each other one, with the thread's saved signal
 * frame. The main thread waits until every thread runs library code, unmaps
 * the restorer, runs the plugins' restart hooks and reconnects to the
 * coordinator; then all return into the program with rt_sigreturn (through
 * the hold trap when a debugger is to take over, see core.c).
 */
#include "engine.h"
#include "core.h"
#include <sys/syscall.h>

int ckpt_restart_thread_c(ucontext_t *uc)
{
	ckpt_plugins_restart_thread(uc);
	__atomic_add_fetch(&ckpt_rt.arrived, 1, __ATOMIC_ACQ_REL);
	futex_wake(&ckpt_rt.arrived);
	while (!__atomic_load_n(&ckpt_rt.go, __ATOMIC_ACQUIRE))
		futex_wait(&ckpt_rt.go, 0, -1);
	return ckpt_rt.restart.hold;
}

/* Held for a debugger: wait until one has attached (it then sees every thread
 * stop at the hold trap). Nobody coming is an error, not a program that runs
 * on unobserved. */
static void wait_for_debugger(void)
{
	char status[4096];
	for (int i = 0; i < 60000; i++) {
		if (ckpt_read_file("/proc/self/status", status, sizeof status) > 0) {
			const char *p = status;
			for (; *p; p++)
				if (ckpt_startswith(p, "TracerPid:"))
					break;
			if (*p) {
				p += 10;
				if (ckpt_parse_long(&p) != 0)
					return;
			}
		}
		static volatile int32_t never;
		futex_wait(&never, 0, 1);
	}
	static const char msg[] = "ckpt: no debugger attached to the held process within 60 s\n";
	SYS3(SYS_write, 2, msg, sizeof msg - 1);
	SYS1(SYS_exit_group, 1);
}

int ckpt_restart_main_c(ucontext_t *uc)
{
	int others = ckpt_rt.restart.nthreads - 1;
	for (;;) {
		int32_t a = __atomic_load_n(&ckpt_rt.arrived, __ATOMIC_ACQUIRE);
		if (a >= others)
			break;
		futex_wait(&ckpt_rt.arrived, a, 10);
	}
	/* every thread now runs library code: the restorer can go */
	if (ckpt_rt.restart.restorer_end > ckpt_rt.restart.restorer_start)
		SYS2(SYS_munmap, ckpt_rt.restart.restorer_start,
		     ckpt_rt.restart.restorer_end - ckpt_rt.restart.restorer_start);
	ckpt_rt.real_pid = ckpt_rt.restart.real_pid;
	ckpt_plugins_restart_thread(uc);
	ckpt_core_restarted();
	ckpt_rt.ctl_fd = -1; /* the restorer left no engine connection */
	ckpt_plugins_restart();
	uint64_t us = (ckpt_now_ns() - ckpt_rt.restart.started_ns) / 1000;
	ckpt_control_connect(1, us);
	if (ckpt_rt.restart.hold)
		wait_for_debugger();
	__atomic_store_n(&ckpt_rt.arrived, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&ckpt_rt.go, 1, __ATOMIC_RELEASE);
	futex_wake(&ckpt_rt.go);
	return ckpt_rt.restart.hold;
}

/* The restorer jumps here with %rdi = the thread's saved ucontext, on a stack
 * of its own. Move to the thread's own stack below the signal frame, run the
 * C part, then return into the program with rt_sigreturn on the frame (through
 * the hold trap when a debugger is to take over). */
__asm__(".text\n"
	".globl ckpt_restart_thread_entry\n"
	".hidden ckpt_restart_thread_entry\n"
	"ckpt_restart_thread_entry:\n"
	"  lea ckpt_restart_thread_c(%rip), %rax\n"
	"  jmp 1f\n"
	".globl ckpt_restart_main_entry\n"
	".hidden ckpt_restart_main_entry\n"
	"ckpt_restart_main_entry:\n"
	"  lea ckpt_restart_main_c(%rip), %rax\n"
	"1:\n"
	"  mov %rdi, %rsp\n"
	"  sub $1024, %rsp\n" /* below the frame's return slot and red zone */
	"  and $-16, %rsp\n"
	"  push %rdi\n"
	"  push %rdi\n"
	"  call *%rax\n"
	"  pop %rdi\n"
	"  test %eax, %eax\n"
	"  jnz ckpt_hold_return\n"
	"  mov %rdi, %rsp\n"
	"  mov $15, %eax\n" /* rt_sigreturn */
	"  syscall\n"
	"  hlt\n");

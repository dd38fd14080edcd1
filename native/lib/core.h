/*
 * Shared by the core's own files (core.c, restarted.c, interrupted.c,
 * control.c); not for plugins (they see engine.h and plugin.h).
 */
#ifndef CKPT_CORE_H
#define CKPT_CORE_H
#include "engine.h"
#include <linux/futex.h>
#include <sys/syscall.h>

static inline void futex_wait(volatile int32_t *addr, int32_t val, long timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };
	SYS4(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, timeout_ms >= 0 ? &ts : 0);
}

static inline void futex_wake(volatile int32_t *addr) { SYS3(SYS_futex, addr, FUTEX_WAKE_PRIVATE, 0x7fffffff); }

/* a restored process is not in the middle of a checkpoint any more */
void ckpt_core_restarted(void);
/* the plugins' restart_thread hooks (in each restored thread) and restart hooks */
void ckpt_plugins_restart_thread(ucontext_t *uc);
void ckpt_plugins_restart(void);

/* interrupted.c: the system call a thread waits in (-1: none known); a wait
 * the engine's signal cut short is made again (nr: that call, or -1) */
int ckpt_blocked_syscall(int tid);
void ckpt_restart_interrupted_wait(ucontext_t *uc, long nr);
/* control.c: the value of "key" in an order line, into out; 0 if absent */
int ckpt_order_field(const char *order, const char *key, char *out, size_t n);
#endif

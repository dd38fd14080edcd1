/*
 * Shared by core.c and restarted.c; not for plugins (they see engine.h and
 * plugin.h).
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
#endif

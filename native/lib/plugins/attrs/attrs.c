/*
 * attrs: process attributes that the kernel keeps outside memory and that a
 * restarted process would otherwise take from the restorer: the nice value,
 * whether the process may be dumped or traced (PR_SET_DUMPABLE: a program
 * that hid its secrets from core files must stay so), and the signal it gets
 * when its parent dies (PR_SET_PDEATHSIG, now about the new parent).
 *
 * Saved in the library's own memory at checkpoint, set again in the restart
 * hook before the program runs. A nice value below the restorer's needs a
 * privilege; without it the process keeps the restorer's.
 */
#include "../../engine.h"
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

static struct {
	long nice; /* getpriority's raw answer: 20 - nice */
	long dumpable;
	int pdeathsig;
	int valid;
} saved;

static int attrs_checkpoint(struct ckpt_writer *w)
{
	(void)w;
	saved.nice = SYS2(SYS_getpriority, PRIO_PROCESS, 0);
	saved.dumpable = SYS1(SYS_prctl, PR_GET_DUMPABLE);
	saved.pdeathsig = 0;
	SYS2(SYS_prctl, PR_GET_PDEATHSIG, &saved.pdeathsig);
	saved.valid = saved.nice >= 0 && saved.dumpable >= 0;
	return 0;
}

static void attrs_restart(void)
{
	if (!saved.valid)
		return;
	SYS3(SYS_setpriority, PRIO_PROCESS, 0, 20 - saved.nice);
	/* a debugger about to attach (held restart) must still be let in */
	if (!ckpt_rt.restart.hold)
		SYS2(SYS_prctl, PR_SET_DUMPABLE, saved.dumpable);
	SYS2(SYS_prctl, PR_SET_PDEATHSIG, saved.pdeathsig);
}

static const struct ckpt_plugin attrs_plugin = {
	.name = "attrs",
	.order = 45,
	.checkpoint = attrs_checkpoint,
	.restart = attrs_restart,
};
CKPT_PLUGIN(attrs_plugin)

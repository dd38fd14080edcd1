/*
 * dirty-page tracking as a plugin: its mode in the status answer, and the
 * points where a process loses its registration (a forked child, a restarted
 * process). The tracking itself is dirty.c; the memory plugin calls it.
 */
#include "../../engine.h"
#include "dirty.h"
#include <pthread.h>
#include <stdlib.h>

/* status: "dirtyPages":{"mode":"uffd-wp"} or {"mode":"hash","why":"..."} */
static void dirty_status(struct ckpt_json *j)
{
	ckpt_json_key(j, "dirtyPages");
	ckpt_json_open(j, '{');
	ckpt_json_key(j, "mode");
	ckpt_json_str(j, ckpt_dirty_mode());
	const char *why = ckpt_dirty_why();
	if (why) {
		ckpt_json_key(j, "why");
		ckpt_json_str(j, why);
	}
	ckpt_json_close(j, '}');
}

/* checkpoint answer: "tracking":"uffd-wp" or "hash", the mode the snapshot
 * was taken in, which the coordinator records in the manifest */
static void dirty_answer(struct ckpt_json *j)
{
	ckpt_json_key(j, "tracking");
	ckpt_json_str(j, ckpt_dirty_mode());
}

/* The restored process has no userfaultfd of its own: untracked until armed. */
static void dirty_restart(void) { ckpt_dirty_reset(); }

/* The kernel does not pass the registration on to a child: it is untracked
 * until its first snapshot, and its copy of the parent's fd is closed. */
static void dirty_child_after_fork(void) { ckpt_dirty_reset(); }

void ckpt_dirty_opening(const char *path)
{
	if (path && !__builtin_strcmp(path, "/dev/userfaultfd"))
		ckpt_dirty_step_aside("the program opens /dev/userfaultfd");
}

static const struct ckpt_plugin dirty_plugin = {
	.name = "dirty",
	.order = 89, /* next to the memory plugin, which uses it */
	.restart = dirty_restart,
	.status = dirty_status,
	.answer = dirty_answer,
};
CKPT_PLUGIN(dirty_plugin)

/* CKPT_TRACKING=hash: find changed pages by their contents even where the
 * kernel could track them (to compare the two, or to avoid a kernel's
 * userfaultfd that misbehaves). */
__attribute__((constructor(151))) static void dirty_init(void)
{
	pthread_atfork(0, 0, dirty_child_after_fork);
	const char *t = getenv("CKPT_TRACKING");
	if (t && !__builtin_strcmp(t, "hash"))
		ckpt_dirty_step_aside("CKPT_TRACKING=hash asks for it");
}

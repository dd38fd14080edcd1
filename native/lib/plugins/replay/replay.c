/*
 * The replay plugin's hooks (see replay.h): recording starts at launch when
 * CKPT_RECORD=1; a forked child starts a log of its own; a restored process
 * reads its log back only when the restarting command asked for it
 * (ckpt-restore --replay), and otherwise reads live values and starts a new
 * log should it be restored with --replay later. Nothing is written into the
 * image: the positions are in the threads' memory, the log outside it.
 */
#include "replay.h"
#include <pthread.h>

/* in the parent, before each fork: the child's rank (see replay_child_name) */
static void count_fork(void) { replay_st.forks++; }

static void replay_at_start(void)
{
	/* always: a process restored with --replay records from then on */
	pthread_atfork(count_fork, 0, 0);
	const char *v = ckpt_env("CKPT_RECORD");
	if (!v || v[0] != '1' || v[1])
		return;
	if (replay_set_dir(ckpt_env("CKPT_ENGINE_SOCKET")) < 0)
		return;
	replay_new_name();
	replay_st.on = 1;
}

static void replay_after_fork(int parent_vpid, int parent_real)
{
	replay_unmap_all();
	replay_st.epoch++;
	replay_st.replayed = replay_st.recorded = replay_st.diverged = replay_st.full = 0;
	if (replay_st.on)
		replay_child_name();
}

static void replay_restart(void)
{
	int want = ckpt_rt.restart_replay == 1 && replay_set_dir(ckpt_rt.restart.sock_path) == 0;
	replay_remap_all(want && replay_st.name[0]);
	if (want && !replay_st.name[0])
		replay_new_name();
	if (!want) {
		/* what this run reads live is in no log: a snapshot of it
		 * restored with --replay later starts a new one */
		replay_st.name[0] = 0;
		replay_st.epoch++;
	}
	replay_st.replayed = replay_st.recorded = replay_st.diverged = replay_st.full = 0;
	replay_st.on = want;
}

static void replay_status(struct ckpt_json *j)
{
	if (!replay_st.on)
		return;
	ckpt_json_key(j, "replay");
	ckpt_json_open(j, '{');
	ckpt_json_key(j, "replayed");
	ckpt_json_int(j, (long)replay_st.replayed);
	ckpt_json_key(j, "recorded");
	ckpt_json_int(j, (long)replay_st.recorded);
	ckpt_json_key(j, "diverged");
	ckpt_json_int(j, (long)replay_st.diverged);
	ckpt_json_key(j, "full");
	ckpt_json_int(j, (long)replay_st.full);
	ckpt_json_key(j, "streams");
	ckpt_json_int(j, replay_streams_mapped());
	ckpt_json_close(j, '}');
}

static const struct ckpt_plugin replay_plugin = {
	.name = "replay",
	.order = 48,
	.restart = replay_restart,
	.status = replay_status,
	.at_start = replay_at_start,
	.after_fork = replay_after_fork,
};
CKPT_PLUGIN(replay_plugin)

/*
 * generations: the example plugin. It keeps, per process, how many snapshots
 * have been taken of it and how many times it has been restored, saves that
 * in a section of its own, reads it back at restart, and reports it in the
 * live status answer ("generations":{"checkpoints":N,"restarts":M}).
 *
 * Everything a plugin needs is here: a hook table registered with
 * CKPT_PLUGIN, a section written in checkpoint(), read back in restart(),
 * and fields added in status(). See native/README.md, "Plugins".
 */
#include "../../plugin.h"

struct generations {
	uint32_t checkpoints;
	uint32_t restarts;
};

static struct generations gen;

static int generations_checkpoint(struct ckpt_writer *w)
{
	/* counted before saving: the restored process has been checkpointed too */
	gen.checkpoints++;
	if (ckpt_section_begin(w, CKPT_SEC_PLUGIN, "generations") < 0 || ckpt_section_write(w, &gen, sizeof gen) < 0)
		return -1;
	return ckpt_section_end(w);
}

static void generations_restart(void)
{
	struct generations saved;
	if (ckpt_restart_read_section("generations", &saved, sizeof saved) == (long)sizeof saved)
		gen = saved;
	gen.restarts++;
}

static void generations_status(struct ckpt_json *j)
{
	ckpt_json_key(j, "generations");
	ckpt_json_open(j, '{');
	ckpt_json_key(j, "checkpoints");
	ckpt_json_int(j, gen.checkpoints);
	ckpt_json_key(j, "restarts");
	ckpt_json_int(j, gen.restarts);
	ckpt_json_close(j, '}');
}

static const struct ckpt_plugin generations_plugin = {
	.name = "generations",
	.order = 50,
	.checkpoint = generations_checkpoint,
	.restart = generations_restart,
	.status = generations_status,
};
CKPT_PLUGIN(generations_plugin)

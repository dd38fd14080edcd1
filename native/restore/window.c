/*
 * The restorer's window: everything the restorer owns lies in 8 GiB at
 * ZONE_BASE while it rebuilds the program around itself, so no region of the
 * program may be there. Programs seldom map memory so far from where the
 * kernel places it, but some choose their own addresses at random (V8 hints
 * its mappings anywhere below 64 TiB). The restorer is therefore built twice:
 * `ckpt-restore` at 32 TiB and `ckpt-restore-alt` at 68 TiB, beyond V8's
 * range; the first hands a snapshot whose memory lies in its window to the
 * second, before anything of the restore is done. A snapshot that uses both
 * windows is refused (memory_preflight names it).
 */
#include "rt.h"

/* the other build, next to this one; only the first build has one */
#ifdef ZONE_OTHER_NAME
static int uses_window(struct image *im)
{
	for (uint32_t i = 0; i < im->mm->nregions; i++)
		if (im->regions[i].end > ZONE_START && im->regions[i].start < ZONE_END)
			return 1;
	return 0;
}

void window_choose(struct image *ims, uint32_t n, char **argv, char **envp)
{
	uint32_t i = 0;
	while (i < n && !uses_window(&ims[i]))
		i++;
	if (i == n)
		return;
	char path[4096];
	long len = sys3(NR_readlink, "/proc/self/exe", path, sizeof path - sizeof ZONE_OTHER_NAME - 1);
	if (len <= 0)
		return;
	while (len > 0 && path[len - 1] != '/')
		len--;
	memcpy(path + len, ZONE_OTHER_NAME, sizeof ZONE_OTHER_NAME);
	sys3(NR_execve, path, argv, envp);
	/* not there: memory_preflight refuses the image, naming the reason */
}
#else
void window_choose(struct image *ims, uint32_t n, char **argv, char **envp)
{
	(void)ims;
	(void)n;
	(void)argv;
	(void)envp;
}
#endif

/*
 * Mappings of the engine's own that the memory plugin must leave out of every
 * image, besides its scratch: the replay log's streams and the page hashes of
 * mode "hash" (memory/page_hashes.c), files shared with the
 * coordinator's directory that outlive the process. A restored process has
 * none of them (they were not saved): its plugins forget theirs at restart.
 */
#include "engine.h"

#define OWN_MAX 1100

static struct { uint64_t start, end; } own[OWN_MAX];
static int nown;

void ckpt_own_memory_add(uint64_t start, uint64_t end)
{
	for (int i = 0; i < nown; i++)
		if (!own[i].end) {
			own[i].start = start;
			own[i].end = end;
			return;
		}
	if (nown < OWN_MAX) {
		own[nown].start = start;
		own[nown++].end = end;
	}
}

void ckpt_own_memory_remove(uint64_t start)
{
	for (int i = 0; i < nown; i++)
		if (own[i].start == start)
			own[i].start = own[i].end = 0;
}

void ckpt_own_memory_forget(void) { nown = 0; }

int ckpt_own_memory(uint64_t start, uint64_t end)
{
	for (int i = 0; i < nown; i++)
		if (own[i].end && start >= own[i].start && end <= own[i].end)
			return 1;
	return 0;
}

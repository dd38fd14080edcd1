/*
 * Shared anonymous memory (mmap with MAP_SHARED | MAP_ANONYMOUS, SysV
 * segments, memfd mappings) is one object however many processes map it,
 * and the image names it by its inode. Before the processes of a tree part
 * ways, one memfd is made per object, as large as its furthest mapping; each
 * process maps it at its regions, so that what one writes the others see,
 * as before the checkpoint. (A region with no inode, from an older image,
 * comes back as memory of its own.)
 */
#include "rt.h"

#define NR_ftruncate 77
#define NR_memfd_create 319
#define MFD_CLOEXEC 1

struct object {
	uint64_t ino, size;
	int fd;
};

static struct object *objs;
static uint32_t nobjs;

void shared_anon_create(struct image *ims, uint32_t n)
{
	uint32_t cap = 1;
	for (uint32_t k = 0; k < n; k++)
		cap += ims[k].mm->nregions;
	objs = arena_alloc(cap * sizeof *objs);
	nobjs = 0;
	for (uint32_t k = 0; k < n; k++)
		for (uint32_t i = 0; i < ims[k].mm->nregions; i++) {
			struct ckpt_img_region *r = &ims[k].regions[i];
			if (r->kind != CKPT_MEM_SHARED_ANON || !r->ino)
				continue;
			uint64_t end = r->file_offset + (r->end - r->start);
			uint32_t o = 0;
			while (o < nobjs && objs[o].ino != r->ino)
				o++;
			if (o == nobjs) {
				objs[nobjs].ino = r->ino;
				objs[nobjs].size = 0;
				objs[nobjs].fd = -1;
				nobjs++;
			}
			if (end > objs[o].size)
				objs[o].size = end;
		}
	for (uint32_t o = 0; o < nobjs; o++) {
		long fd = sys2(NR_memfd_create, (long)"ckpt-shared", MFD_CLOEXEC);
		if (fd < 0)
			fail("cannot make shared memory again: ", errno_name(fd), 0);
		/* out of the way of the fds the program gets at their numbers */
		long high = sys3(NR_fcntl, fd, F_DUPFD_CLOEXEC, 600);
		if (high < 0)
			fail("cannot make shared memory again: ", errno_name(high), 0);
		sys1(NR_close, fd);
		long r = sys2(NR_ftruncate, high, (long)objs[o].size);
		if (r < 0)
			fail("cannot size shared memory: ", errno_name(r), 0);
		objs[o].fd = (int)high;
	}
}

int shared_anon_fd(uint64_t ino)
{
	for (uint32_t o = 0; ino && o < nobjs; o++)
		if (objs[o].ino == ino)
			return objs[o].fd;
	return -1;
}

/* once mapped: the mappings keep the objects */
void shared_anon_close(void)
{
	for (uint32_t o = 0; o < nobjs; o++)
		if (objs[o].fd >= 0)
			sys1(NR_close, objs[o].fd);
	nobjs = 0;
}

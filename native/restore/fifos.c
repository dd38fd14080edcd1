/*
 * FIFOs are reopened by path like files, with two differences. Opening one
 * for writing alone fails while nobody reads it (ENXIO), and the bytes that
 * were waiting in it exist only while somebody holds it. So before the
 * program's own ends are opened, the restorer holds each FIFO open for
 * reading and writing (which never waits), puts back the bytes one process
 * saved for it, and lets go once every end is open.
 */
#include "rt.h"

#define O_NONBLOCK 04000

static int *held;
static uint32_t nheld;

static void put_bytes(int fd, const char *path, const char *data, uint64_t len)
{
	for (uint64_t done = 0; done < len;) {
		long r = sys3(NR_write, fd, data + done, len - done);
		if (r <= 0)
			fail4("cannot put back the bytes that were waiting in the FIFO ", path, ": ",
			      r < 0 ? errno_name(r) : "it is full");
		done += (uint64_t)r;
	}
}

/* with_bytes is 0 for a check of the images: nothing may change then */
void fifos_hold(struct image *ims, uint32_t n, int with_bytes)
{
	uint32_t count = 0;
	for (uint32_t k = 0; k < n; k++)
		for (uint32_t i = 0; i < ims[k].nfds; i++)
			count += ims[k].fds[i].kind == CKPT_FD_FIFO;
	held = arena_alloc((count + 1) * sizeof *held);
	nheld = 0;
	for (uint32_t k = 0; k < n; k++)
		for (uint32_t i = 0; i < ims[k].nfds; i++) {
			struct ckpt_img_fd *f = &ims[k].fds[i];
			if (f->kind != CKPT_FD_FIFO || f->dup_of >= 0)
				continue;
			f->path[sizeof f->path - 1] = 0;
			const char *path = world_path(f->path, 0);
			long fd = sys3(NR_open, path, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
			if (fd < 0)
				fail4("cannot reopen the program's FIFO ", path, ": ", errno_name(fd));
			held[nheld++] = (int)fd;
			if (with_bytes && f->data_len) /* bounds checked by image_load */
				put_bytes((int)fd, path, ims[k].fddata + f->data_offset, f->data_len);
		}
}

void fifos_release(void)
{
	for (uint32_t i = 0; i < nheld; i++)
		sys1(NR_close, held[i]);
	nheld = 0;
}

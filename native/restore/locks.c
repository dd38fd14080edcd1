/*
 * File locks (see lib/plugins/files/locks.c): each process takes again the
 * locks it held, on its fds as they are now installed, before any process of
 * the computation runs (tree.c waits for all after this). A lock that cannot
 * be had (somebody outside the computation holds it now) is reported on
 * stderr; the program goes on without it, as it would after losing it.
 */
#include "rt.h"

#define NR_flock 73
#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define F_SETLK 6
#define F_OFD_SETLK 37
#define F_RDLCK 0
#define F_WRLCK 1

struct flock64_k {
	int16_t type, whence;
	int64_t start, len;
	int32_t pid;
};

void locks_take(struct image *im)
{
	for (uint32_t i = 0; i < im->nlocks; i++) {
		struct ckpt_img_lock *l = &im->locks[i];
		long r;
		if (l->kind == CKPT_LOCK_FLOCK) {
			r = sys2(NR_flock, l->fd, (l->write ? LOCK_EX : LOCK_SH) | LOCK_NB);
		} else {
			struct flock64_k fl = { (int16_t)(l->write ? F_WRLCK : F_RDLCK), 0 /* SEEK_SET */, l->start, l->len, 0 };
			r = sys3(NR_fcntl, l->fd, l->kind == CKPT_LOCK_OFD ? F_OFD_SETLK : F_SETLK, (long)&fl);
		}
		if (r < 0) {
			out_str(2, "ckpt-restore: a file lock on fd ");
			out_num(2, l->fd);
			out_str(2, " could not be taken again: ");
			out_str(2, errno_name(r));
			out_str(2, "\n");
		}
	}
}

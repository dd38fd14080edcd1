/*
 * fds on anonymous inodes (eventfd, epoll, signalfd, timerfd, pidfd),
 * checkpoint side; the restore side is restore/anon_inodes.c. Their state is
 * what /proc/self/fdinfo shows: a counter, a signal mask, a timer's clock and
 * time left, an epoll instance's registrations (saved with the fd table's
 * data), a pidfd's process (by its virtual PID).
 */
#include "files.h"
#include "../ids/ids.h"
#include <string.h>
#include <sys/syscall.h>

/* where the value of "key:" starts in an fdinfo text, or 0 */
static const char *field(const char *text, const char *key)
{
	size_t kl = ckpt_strlen(key);
	for (const char *l = text; *l;) {
		if (ckpt_startswith(l, key) && l[kl] == ':')
			return l + kl + 1;
		while (*l && *l != '\n')
			l++;
		if (*l)
			l++;
	}
	return 0;
}

/* "(sec, nsec)" */
static void parse_pair(const char *p, int64_t *a, int64_t *b)
{
	while (*p && *p != '(')
		p++;
	if (*p)
		p++;
	*a = ckpt_parse_long(&p);
	while (*p == ',' || *p == ' ')
		p++;
	*b = ckpt_parse_long(&p);
}

/* eventfd, epoll, signalfd, timerfd: their state as /proc/self/fdinfo shows it */
static int save_fdinfo_state(int fd, struct ckpt_fd *rec)
{
	char path[64], info[8192];
	ckpt_fmt(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	if (ckpt_read_file(path, info, sizeof info) <= 0)
		return ckpt_fail("fd %d: cannot read its state", fd);
	const char *v;
	switch (rec->h.kind) {
	case CKPT_FD_EVENTFD:
		if ((v = field(info, "eventfd-count")))
			rec->eventfd.count = (uint64_t)ckpt_parse_long(&v);
		if ((v = field(info, "eventfd-semaphore")))
			rec->eventfd.semaphore = (uint32_t)ckpt_parse_long(&v);
		break;
	case CKPT_FD_SIGNALFD:
		if ((v = field(info, "sigmask")))
			rec->signalfd.mask = ckpt_parse_hex(&v);
		break;
	case CKPT_FD_TIMERFD: {
		struct ckpt_img_fd_timerfd *t = &rec->timerfd;
		if ((v = field(info, "clockid")))
			t->clockid = (uint32_t)ckpt_parse_long(&v);
		if ((v = field(info, "it_value")))
			parse_pair(v, &t->value_sec, &t->value_nsec);
		if ((v = field(info, "it_interval")))
			parse_pair(v, &t->interval_sec, &t->interval_nsec);
		/* a periodic timer that expired unread shows no time left: it is due */
		if (!t->value_sec && !t->value_nsec && (t->interval_sec || t->interval_nsec))
			t->value_nsec = 1;
		break;
	}
	case CKPT_FD_EPOLL:
		if (files_data_ensure() < 0)
			return -1;
		rec->epoll.data_offset = files_data_len;
		for (const char *l = info; *l;) {
			if (ckpt_startswith(l, "tfd:")) {
				const char *p = l + 4;
				struct ckpt_img_epoll_entry e;
				e.tfd = (int32_t)ckpt_parse_long(&p);
				while (*p == ' ')
					p++;
				p += ckpt_startswith(p, "events:") ? 7 : 0;
				e.events = (uint32_t)ckpt_parse_hex(&p);
				while (*p == ' ')
					p++;
				p += ckpt_startswith(p, "data:") ? 5 : 0;
				e.data = ckpt_parse_hex(&p);
				if (files_data_len + sizeof e <= FILES_DATA_MAX) {
					__builtin_memcpy(files_data + files_data_len, &e, sizeof e);
					files_data_len += sizeof e;
				}
			}
			while (*l && *l != '\n')
				l++;
			if (*l)
				l++;
		}
		rec->epoll.data_len = files_data_len - rec->epoll.data_offset;
		break;
	}
	return 0;
}

/* A pidfd names a process: saved by its virtual PID, opened again on it. */
static int describe_pidfd(int fd, struct ckpt_fd *rec)
{
	char path[64], text[1024];
	ckpt_fmt(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	long pid = -1;
	if (ckpt_read_file(path, text, sizeof text) > 0)
		for (const char *l = text; *l; l++)
			if (ckpt_startswith(l, "Pid:")) {
				const char *p = l + 4;
				pid = ckpt_parse_long(&p);
				break;
			}
	if (pid <= 0)
		return ckpt_fail("process %d, fd %d: a pidfd of a process that has ended cannot be saved", ckpt_rt.vpid, fd);
	rec->pidfd.vpid = (int32_t)ckpt_pid_virtual((pid_t)pid);
	return 0;
}

int anon_inode_save(int fd, struct ckpt_fd *rec)
{
	return rec->h.kind == CKPT_FD_PIDFD ? describe_pidfd(fd, rec) : save_fdinfo_state(fd, rec);
}

/*
 * Pipes and FIFOs, checkpoint side. The restore side is restore/pipes.c; which
 * process saves the bytes of a pipe that several processes read is decided by
 * the coordinator (adapter/engine/pipes.ts) and arrives here as the write
 * order's "skipPipes" and "skipFifos".
 *
 * The bytes waiting in a pipe are read out at checkpoint (every thread is
 * stopped, so nothing races with it), put back at once through a second write
 * end opened via /proc/self/fd, and saved with the fd table's data. Only a
 * read end saves them (a FIFO's: any end that can read), each pipe once.
 */
#include "files.h"
#include <fcntl.h>
#include <sys/syscall.h>

/* FIFOs are named by the inode of their file, pipes by pipefs's: the two may
 * meet, so a FIFO's entry carries a mark */
#define FIFO_MARK (1ull << 63)
#define MAX_KEYS 256

/* pipes and FIFOs whose contents another process of the computation saves */
static uint64_t skipped[MAX_KEYS];
static int nskipped;
/* the order ends the program (--kill) */
static int killing;
/* bytes waiting in the pipe at fd 0, and its inode (the answer's "stdin") */
uint64_t pipes_stdin_bytes, pipes_stdin_ino;
/* each pipe is drained once, whatever number of read ends it has */
static uint64_t drained[MAX_KEYS];
static int ndrained;

static int listed(const uint64_t *keys, int n, uint64_t key)
{
	for (int i = 0; i < n; i++)
		if (keys[i] == key)
			return 1;
	return 0;
}

/* "skipPipes":[ino,...] or "skipFifos":[ino,...] of the order */
static void parse_skipped(const char *order, const char *key, uint64_t mark)
{
	const char *p = order;
	for (; *p; p++)
		if (ckpt_startswith(p, key))
			break;
	while (*p && *p != '[')
		p++;
	if (!*p)
		return;
	p++;
	while (*p && *p != ']' && nskipped < MAX_KEYS) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p < '0' || *p > '9')
			break;
		skipped[nskipped++] = (uint64_t)ckpt_parse_long(&p) | mark;
	}
}

void pipes_begin(void)
{
	nskipped = 0;
	ndrained = 0;
	const char *order = ckpt_control_order();
	parse_skipped(order, "\"skipPipes\"", 0);
	parse_skipped(order, "\"skipFifos\"", FIFO_MARK);
	killing = 0;
	for (const char *p = order; *p; p++)
		if (ckpt_startswith(p, "\"kill\":true"))
			killing = 1;
	pipes_stdin_bytes = pipes_stdin_ino = 0;
}

static int put_back(int fd, const uint64_t *data)
{
	char link[64];
	ckpt_format_fd_link(link, sizeof link, fd);
	int wfd = (int)SYS3(SYS_open, link, O_WRONLY | O_NONBLOCK | O_CLOEXEC, 0);
	if (wfd < 0)
		return ckpt_fail("fd %d: cannot put the pipe's contents back", fd);
	for (uint64_t done = 0; done < data[1];) {
		long r = SYS3(SYS_write, wfd, files_data + data[0] + done, data[1] - done);
		if (r <= 0) {
			SYS1(SYS_close, wfd);
			return ckpt_fail("fd %d: cannot put the pipe's contents back", fd);
		}
		done += (uint64_t)r;
	}
	SYS1(SYS_close, wfd);
	return 0;
}

/* Reads out what waits in the pipe or FIFO behind fd and puts it back (a
 * FIFO's write end opens by its path: this process holds a read end). */
static int drain(int fd, struct ckpt_fd *rec, uint64_t key)
{
	if (listed(drained, ndrained, key))
		return 0;
	if (ndrained < MAX_KEYS)
		drained[ndrained++] = key;
	uint64_t *data = ckpt_fd_data(rec); /* offset, length */
	if (files_data_drain(fd, &data[0], &data[1]) < 0)
		return -1;
	if (rec->h.kind == CKPT_FD_PIPE && rec->h.stdio && data[1] && killing)
		rec->pipe.bytes_kept = 1;
	if (fd == 0 && rec->h.stdio && data[1]) {
		pipes_stdin_bytes = data[1];
		pipes_stdin_ino = rec->h.kind == CKPT_FD_PIPE ? rec->pipe.ino : rec->file.ino;
	}
	return data[1] ? put_back(fd, data) : 0;
}

int pipes_save(int fd, struct ckpt_fd *rec)
{
	uint32_t mode = rec->h.flags & O_ACCMODE;
	if (rec->h.kind == CKPT_FD_PIPE && mode == O_RDONLY && !listed(skipped, nskipped, rec->pipe.ino))
		return drain(fd, rec, rec->pipe.ino);
	/* a FIFO's bytes, by one of the processes that can read it */
	if (rec->h.kind == CKPT_FD_FIFO && mode != O_WRONLY && !listed(skipped, nskipped, rec->file.ino | FIFO_MARK))
		return drain(fd, rec, rec->file.ino | FIFO_MARK);
	return 0;
}

/*
 * The "session" plugin section: files a computation shares through the
 * temporary directory or a tmpfs, that its own processes delete when they end
 * (Open MPI's session directory under /tmp and its shared-memory segments in
 * /dev/shm, a JVM's hsperfdata). Written by lib/plugins/session/, put back
 * by restore/session.c before anything of the snapshot is opened.
 *
 * The section is a sequence of entries, each
 *   struct ckpt_session_entry, the path (path_len bytes, NUL included),
 *   zero bytes up to a multiple of 8;
 * and, for MAPPED and FILE, the file's bytes as runs:
 *   struct ckpt_session_run, len bytes, zero bytes up to a multiple of 8,
 * ended by a run whose len is 0. Pages holding only zeros are in no run.
 */
#ifndef CKPT_SESSION_H
#define CKPT_SESSION_H
#include <stdint.h>

#define CKPT_SESSION_SECTION "session"

enum ckpt_session_kind {
	/* mapped shared: its bytes are put back at every restart */
	CKPT_SESSION_MAPPED = 1,
	/* open by a descriptor: made again with its bytes if it is gone */
	CKPT_SESSION_FILE = 2,
	/* a FIFO open by a descriptor: made again if it is gone */
	CKPT_SESSION_FIFO = 3,
};

struct ckpt_session_entry {
	uint32_t kind;
	uint32_t mode;     /* permission bits */
	uint64_t size;     /* the file's size */
	uint32_t path_len; /* with the NUL */
	uint32_t pad;
};

struct ckpt_session_run {
	uint64_t offset, len;
};

/* what is kept, at most: larger files are reopened as they are, as before */
#define CKPT_SESSION_MAPPED_MAX (64ull << 20)
#define CKPT_SESSION_FILE_MAX (1ull << 20)
#define CKPT_SESSION_ENTRIES_MAX 256
#define CKPT_SESSION_PATH_MAX 4096
#endif

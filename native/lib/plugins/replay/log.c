/*
 * The replay log: one file per thread ("stream") in the computation's
 * directory, <dir>/replay/<name>-<stream>.log, private to the user, mapped
 * shared so that a record is a copy into the page cache (no system call but
 * when the file grows) and survives the process being killed. The mappings
 * are the engine's own: the memory plugin leaves them out of images.
 *
 * A thread's stream is its birth number (threads.c): the same thread gets the
 * same stream in a re-execution from a snapshot. Its cursor, in its TLS, is
 * saved with every snapshot: below the stream's length it reads records back,
 * at the end it records.
 */
#include "replay.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

struct replay_state replay_st = { .epoch = 1 };

struct stream {
	char *base; /* REPLAY_MAP bytes mapped, 0 when not mapped */
	uint64_t size; /* bytes of the file: records may go up to here */
	int failed; /* cannot be opened: the thread reads live values */
};
static struct stream streams[REPLAY_STREAMS];

struct me {
	uint32_t epoch;
	int stream;
	uint64_t cursor; /* bytes of records after the head */
	int busy; /* in a wrapper: a signal handler's calls go live, unrecorded */
};
static __thread struct me me __attribute__((tls_model("initial-exec")));

#define HEAD sizeof(struct replay_head)
static inline uint64_t rec_size(uint32_t len) { return sizeof(struct replay_rec) + ((len + 7u) & ~7u); }

/* A forked child's log is named after its parent's and its rank among the
 * parent's children: the same child of a re-execution finds it again. A name
 * grown too long (a chain of forks) becomes a new one. */
void replay_child_name(void)
{
	char name[REPLAY_NAME_MAX];
	int n = ckpt_fmt(name, sizeof name, "%sf%u", replay_st.name, replay_st.forks);
	if (!replay_st.name[0] || n <= 0 || (size_t)n >= sizeof name - 1)
		replay_new_name();
	else
		ckpt_strlcpy(replay_st.name, name, sizeof replay_st.name);
	replay_st.forks = 0;
}

int replay_set_dir(const char *socket_path)
{
	if (!socket_path || socket_path[0] != '/')
		return -1;
	size_t n = ckpt_strlen(socket_path);
	while (n > 0 && socket_path[n - 1] != '/')
		n--;
	if (n <= 1 || n + 8 > sizeof replay_st.dir)
		return -1;
	__builtin_memcpy(replay_st.dir, socket_path, n);
	ckpt_strlcpy(replay_st.dir + n, "replay", sizeof replay_st.dir - n);
	return 0;
}

void replay_new_name(void)
{
	ckpt_fmt(replay_st.name, sizeof replay_st.name, "%d-%lx", ckpt_rt.real_pid, ckpt_now_ns());
}

/* The log's folder, made private if new; refused unless it is a folder of
 * this user's that nobody else can enter (never a planted link). */
static int open_dir(int create)
{
	if (!replay_st.dir[0])
		return -1;
	if (create)
		SYS2(SYS_mkdir, replay_st.dir, 0700);
	int fd = (int)SYS3(SYS_open, replay_st.dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct stat st;
	if (SYS2(SYS_fstat, fd, &st) < 0 || st.st_uid != (uid_t)SYS0(SYS_geteuid) || (st.st_mode & 077)) {
		SYS1(SYS_close, fd);
		return -1;
	}
	return fd;
}

/* A stream's file, 0600, a regular file of this user's with one name. */
static int open_stream(int i, int create, struct stat *st)
{
	int dfd = open_dir(create);
	if (dfd < 0)
		return -1;
	char name[REPLAY_NAME_MAX + 32];
	ckpt_fmt(name, sizeof name, "%s-%d.log", replay_st.name, i);
	int fd = (int)SYS4(SYS_openat, dfd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
	SYS1(SYS_close, dfd);
	if (fd < 0)
		return -1;
	if (SYS2(SYS_fstat, fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_uid != (uid_t)SYS0(SYS_geteuid) ||
	    st->st_nlink != 1 || (st->st_mode & 077)) {
		SYS1(SYS_close, fd);
		return -1;
	}
	return fd;
}

/* The file's blocks allocated and its pages mapped writable ahead, in one go:
 * a page faulted in on a record's first write would cost a page fault (and
 * a block allocation) every 85 records. */
static void prepare(int fd, char *base, uint64_t from, uint64_t to)
{
	if (fd >= 0)
		SYS4(SYS_fallocate, fd, 0, from, to - from);
	if (base)
		SYS3(SYS_madvise, base + from, to - from, MADV_POPULATE_WRITE);
}

/* Maps stream i (at `at` exactly, or anywhere when 0); a new file gets its head. */
static int map_stream(int i, uint64_t at, int create)
{
	struct stat st;
	int fd = open_stream(i, create, &st);
	if (fd < 0)
		return -1;
	uint64_t size = (uint64_t)st.st_size;
	int fresh = size < HEAD;
	if (fresh) {
		size = REPLAY_GROW;
		if (SYS2(SYS_ftruncate, fd, size) < 0) {
			SYS1(SYS_close, fd);
			return -1;
		}
		prepare(fd, 0, 0, size);
	}
	long m = SYS6(SYS_mmap, at, REPLAY_MAP, PROT_READ | PROT_WRITE, MAP_SHARED | (at ? MAP_FIXED_NOREPLACE : 0), fd, 0);
	SYS1(SYS_close, fd);
	if (m < 0 && m > -4096)
		return -1;
	struct replay_head *h = (struct replay_head *)m;
	if (fresh)
		h->magic = REPLAY_MAGIC;
	if ((at && (uint64_t)m != at) || h->magic != REPLAY_MAGIC || HEAD + h->length > size) {
		SYS2(SYS_munmap, m, REPLAY_MAP);
		return -1;
	}
	streams[i].base = (char *)m;
	streams[i].size = size > REPLAY_MAP ? REPLAY_MAP : size;
	if (fresh)
		prepare(-1, streams[i].base, 0, streams[i].size);
	ckpt_own_memory_add((uint64_t)m, (uint64_t)m + REPLAY_MAP);
	return 0;
}

/* Makes room for `need` bytes of file; -1 when the stream is full. */
static int grow(int i, uint64_t need)
{
	if (need > REPLAY_MAP)
		return -1;
	struct stat st;
	int fd = open_stream(i, 0, &st);
	if (fd < 0)
		return -1;
	uint64_t size = (need + REPLAY_GROW - 1) / REPLAY_GROW * REPLAY_GROW;
	long r = SYS2(SYS_ftruncate, fd, size);
	if (r == 0)
		prepare(fd, streams[i].base, streams[i].size, size);
	SYS1(SYS_close, fd);
	if (r < 0)
		return -1;
	streams[i].size = size;
	return 0;
}

static struct stream *stream_of_self(void)
{
	if (me.epoch != replay_st.epoch) {
		int b = ckpt_threads_birth_of_self();
		me.epoch = replay_st.epoch;
		me.stream = b >= 0 && b < REPLAY_STREAMS ? b : -1;
		me.cursor = 0;
	}
	if (me.stream < 0)
		return 0;
	struct stream *s = &streams[me.stream];
	if (!s->base && (s->failed || map_stream(me.stream, 0, 1) < 0)) {
		s->failed = 1;
		return 0;
	}
	return s;
}

int replay_take(struct replay_call *c, long *ret)
{
	c->stream = -1;
	if (!__atomic_load_n(&replay_st.on, __ATOMIC_RELAXED) || me.busy)
		return 0;
	struct stream *s = stream_of_self();
	if (!s)
		return 0;
	me.busy = 1;
	uint64_t len = __atomic_load_n(&((struct replay_head *)s->base)->length, __ATOMIC_ACQUIRE);
	if (me.cursor < len) {
		struct replay_rec *r = (struct replay_rec *)(s->base + HEAD + me.cursor);
		if (me.cursor + sizeof *r <= len && r->kind == c->kind && r->arg == c->arg && r->len <= c->cap &&
		    me.cursor + rec_size(r->len) <= len) {
			__builtin_memcpy(c->out, r + 1, r->len);
			me.cursor += rec_size(r->len);
			*ret = r->ret;
			if (r->ret < 0)
				errno = r->err;
			__atomic_add_fetch(&replay_st.replayed, 1, __ATOMIC_RELAXED);
			me.busy = 0;
			return 1;
		}
		/* the run asks for something else than the log holds here: it
		 * took another path, and the log's later values are not its own;
		 * this thread goes on recording at the end */
		me.cursor = len;
		__atomic_add_fetch(&replay_st.diverged, 1, __ATOMIC_RELAXED);
	}
	c->stream = me.stream;
	return 0;
}

void replay_note(struct replay_call *c, long ret, int err, uint32_t len)
{
	if (c->stream < 0)
		return;
	struct stream *s = &streams[c->stream];
	struct replay_head *h = (struct replay_head *)s->base;
	uint64_t at = h->length; /* me.cursor, unless the log was lost and made again */
	uint64_t end = at + rec_size(len);
	if (HEAD + end > s->size && grow(c->stream, HEAD + end) < 0) {
		__atomic_add_fetch(&replay_st.full, 1, __ATOMIC_RELAXED);
		me.busy = 0;
		return;
	}
	struct replay_rec *r = (struct replay_rec *)(s->base + HEAD + at);
	r->kind = c->kind;
	r->len = len;
	r->arg = c->arg;
	r->ret = ret;
	r->err = err;
	r->pad = 0;
	__builtin_memcpy(r + 1, c->out, len);
	__atomic_store_n(&h->length, end, __ATOMIC_RELEASE);
	me.cursor = end;
	__atomic_add_fetch(&replay_st.recorded, 1, __ATOMIC_RELAXED);
	me.busy = 0;
}

/* In a restored process the mappings are gone (they were not saved): each is
 * made again at its old address, where a thread caught inside a wrapper may
 * still point, or left to be mapped when next used. */
void replay_remap_all(int keep)
{
	for (int i = 0; i < REPLAY_STREAMS; i++) {
		uint64_t at = (uint64_t)streams[i].base;
		streams[i].base = 0;
		streams[i].failed = 0;
		if (!at)
			continue;
		ckpt_own_memory_remove(at);
		if (keep)
			map_stream(i, at, 0);
	}
}

/* A forked child must not write its parent's log. */
void replay_unmap_all(void)
{
	for (int i = 0; i < REPLAY_STREAMS; i++) {
		if (streams[i].base) {
			SYS2(SYS_munmap, streams[i].base, REPLAY_MAP);
			ckpt_own_memory_remove((uint64_t)streams[i].base);
		}
		streams[i].base = 0;
		streams[i].failed = 0;
	}
}

int replay_streams_mapped(void)
{
	int n = 0;
	for (int i = 0; i < REPLAY_STREAMS; i++)
		n += streams[i].base != 0;
	return n;
}

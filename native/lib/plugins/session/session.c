/*
 * session: files a computation shares through the temporary directory or a
 * tmpfs and deletes itself when it ends. Open MPI's ranks map the shared-memory
 * segments of their transport (/dev/shm/vader_segment.*) and PMIx's store
 * (/tmp/ompi.<host>.<uid>/pid.<N>/pmix_dstor_*), and mpirun holds files and a
 * FIFO of the same session directory open. The first restarted job deletes
 * them all when it ends; without their bytes in the snapshot it restarts once.
 *
 * What is kept (section format in include/ckpt_session.h):
 *   - every file mapped shared that lies on a tmpfs or under the temporary
 *     directory ($TMPDIR, else /tmp): its bytes, put back at every restart,
 *     because they are memory the processes share;
 *   - in the directory tree of such a file (the temporary directory's entry
 *     that holds it: /tmp/ompi.<host>.<uid>), the regular files (up to 1 MiB)
 *     and FIFOs the process holds open: made again at restart if gone.
 * Files of the engine's own directory are never kept. All processes of a
 * computation are stopped when this runs (PROTOCOL.md, "sync"), so the bytes
 * are those of one instant.
 */
#include "../../engine.h"
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "../../../include/ckpt_proc.h"
#include "../../../include/ckpt_session.h"

#define TMPFS_MAGIC 0x01021994
#define MAPS_MAX (4u << 20)
#define CHUNK (1u << 20)
#define TREES_MAX 64

struct kept {
	char path[CKPT_SESSION_PATH_MAX];
	uint32_t kind;
};

struct scratch {
	char maps[MAPS_MAX];
	unsigned char chunk[CHUNK];
	struct kept kept[CKPT_SESSION_ENTRIES_MAX];
	char trees[TREES_MAX][CKPT_SESSION_PATH_MAX];
	char tmp[CKPT_SESSION_PATH_MAX];
	char engine_dir[CKPT_SESSION_PATH_MAX];
	uint32_t nkept, ntrees;
};

static int in_dir(const char *path, const char *dir)
{
	size_t n = ckpt_strlen(dir);
	return n && !memcmp(path, dir, n) && path[n] == '/';
}

static int on_tmpfs(const char *path)
{
	long st[15]; /* struct statfs: f_type first */
	return SYS2(SYS_statfs, path, st) == 0 && st[0] == TMPFS_MAGIC;
}

/* the temporary directory and the engine's own, without trailing slashes */
static void places(struct scratch *s)
{
	const char *t = ckpt_env("TMPDIR");
	ckpt_strlcpy(s->tmp, t && t[0] == '/' ? t : "/tmp", sizeof s->tmp);
	for (size_t n = ckpt_strlen(s->tmp); n > 1 && s->tmp[n - 1] == '/'; n--)
		s->tmp[n - 1] = 0;
	const char *sock = ckpt_env("CKPT_ENGINE_SOCKET");
	ckpt_strlcpy(s->engine_dir, sock ? sock : "", sizeof s->engine_dir);
	char *slash = strrchr(s->engine_dir, '/');
	if (slash)
		*slash = 0;
}

static void keep(struct scratch *s, const char *path, uint32_t kind)
{
	for (uint32_t i = 0; i < s->nkept; i++)
		if (!strcmp(s->kept[i].path, path))
			return;
	if (s->nkept >= CKPT_SESSION_ENTRIES_MAX)
		return; /* the rest are reopened as they are */
	ckpt_strlcpy(s->kept[s->nkept].path, path, sizeof s->kept[0].path);
	s->kept[s->nkept++].kind = kind;
}

/* /tmp/ompi.vm.0 for /tmp/ompi.vm.0/pid.5/x; nothing for a file right in /tmp */
static void note_tree(struct scratch *s, const char *path)
{
	if (!in_dir(path, s->tmp))
		return;
	size_t n = ckpt_strlen(s->tmp) + 1;
	const char *end = strchr(path + n, '/');
	if (!end || (size_t)(end - path) >= CKPT_SESSION_PATH_MAX)
		return;
	char tree[CKPT_SESSION_PATH_MAX];
	memcpy(tree, path, (size_t)(end - path));
	tree[end - path] = 0;
	for (uint32_t i = 0; i < s->ntrees; i++)
		if (!strcmp(s->trees[i], tree))
			return;
	if (s->ntrees < TREES_MAX)
		ckpt_strlcpy(s->trees[s->ntrees++], tree, sizeof tree);
}

/* the shared file mappings, from /proc/self/maps */
static void collect_mapped(struct scratch *s)
{
	if (ckpt_read_file("/proc/self/maps", s->maps, sizeof s->maps) <= 0)
		return;
	for (const char *line = s->maps; *line;) {
		const char *p = line, *nl = strchr(line, '\n');
		line = nl ? nl + 1 : line + ckpt_strlen(line);
		for (int field = 0; field < 5 && p < line; field++) { /* range perms offset dev inode */
			if (field == 1 && p[3] != 's')
				p = line;
			while (p < line && *p != ' ')
				p++;
			while (p < line && *p == ' ')
				p++;
		}
		size_t len = (size_t)(line - p) - (nl ? 1 : 0);
		if (p >= line || *p != '/' || len >= CKPT_SESSION_PATH_MAX)
			continue;
		char path[CKPT_SESSION_PATH_MAX];
		memcpy(path, p, len);
		path[len] = 0;
		if (ckpt_endswith(path, " (deleted)") || ckpt_startswith(path, "/dev/zero") ||
		    ckpt_startswith(path, "/SYSV") || ckpt_startswith(path, "/memfd:") ||
		    in_dir(path, s->engine_dir))
			continue;
		if (in_dir(path, s->tmp) || on_tmpfs(path)) {
			keep(s, path, CKPT_SESSION_MAPPED);
			note_tree(s, path);
		}
	}
}

/* files and FIFOs held open inside the trees of the mapped ones */
static void collect_open(struct scratch *s, int writer_fd)
{
	struct ckpt_procdir dir;
	if (!s->ntrees || ckpt_procdir_open(&dir, "/proc/self/fd") < 0)
		return;
	for (int fd; (fd = ckpt_procdir_next(&dir)) >= 0;) {
		if (fd == dir.fd || fd == writer_fd || ckpt_control_fd_is_ours(fd))
			continue;
		char link[64], path[CKPT_SESSION_PATH_MAX];
		ckpt_fmt(link, sizeof link, "/proc/self/fd/%d", fd);
		long l = SYS3(SYS_readlink, link, path, sizeof path - 1);
		if (l <= 0)
			continue;
		path[l] = 0;
		int inside = 0;
		for (uint32_t t = 0; t < s->ntrees; t++)
			inside |= in_dir(path, s->trees[t]);
		struct stat st;
		if (!inside || in_dir(path, s->engine_dir) || SYS2(SYS_fstat, fd, &st) < 0)
			continue;
		if (S_ISREG(st.st_mode) && (uint64_t)st.st_size <= CKPT_SESSION_FILE_MAX)
			keep(s, path, CKPT_SESSION_FILE);
		else if (S_ISFIFO(st.st_mode))
			keep(s, path, CKPT_SESSION_FIFO);
	}
	ckpt_procdir_close(&dir);
}

static int write_padded(struct ckpt_writer *w, const void *data, size_t n)
{
	static const char zeros[8];
	if (ckpt_section_write(w, data, n) < 0)
		return -1;
	return n % 8 ? ckpt_section_write(w, zeros, 8 - n % 8) : 0;
}

static int zero_page(const unsigned char *p)
{
	const uint64_t *q = (const uint64_t *)p;
	for (int i = 0; i < 512; i++)
		if (q[i])
			return 0;
	return 1;
}

/* the file's bytes as runs of pages that are not all zeros */
static int write_runs(struct ckpt_writer *w, struct scratch *s, int fd, uint64_t size, const char *path)
{
	for (uint64_t at = 0; at < size;) {
		uint64_t want = size - at < CHUNK ? size - at : CHUNK;
		long got = SYS4(SYS_pread64, fd, s->chunk, want, at);
		if (got <= 0)
			return ckpt_fail("cannot read the shared file %s", path);
		for (uint64_t p = 0; p < (uint64_t)got;) {
			uint64_t page = (uint64_t)got - p < 4096 ? (uint64_t)got - p : 4096;
			if (page == 4096 && zero_page(s->chunk + p)) {
				p += page;
				continue;
			}
			uint64_t start = p;
			while (p < (uint64_t)got && !((uint64_t)got - p >= 4096 && zero_page(s->chunk + p)))
				p += (uint64_t)got - p < 4096 ? (uint64_t)got - p : 4096;
			struct ckpt_session_run run = { at + start, p - start };
			if (ckpt_section_write(w, &run, sizeof run) < 0 || write_padded(w, s->chunk + start, run.len) < 0)
				return -1;
		}
		at += (uint64_t)got;
	}
	struct ckpt_session_run end = { size, 0 };
	return ckpt_section_write(w, &end, sizeof end);
}

static int write_entry(struct ckpt_writer *w, struct scratch *s, struct kept *k, int *begun)
{
	int fd = (int)SYS3(SYS_open, k->path, (k->kind == CKPT_SESSION_FIFO ? O_PATH : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC, 0);
	struct stat st;
	if (fd < 0)
		return 0; /* not ours to read: reopened as it is at restart, as before */
	uint64_t max = k->kind == CKPT_SESSION_MAPPED ? CKPT_SESSION_MAPPED_MAX : CKPT_SESSION_FILE_MAX;
	if (SYS2(SYS_fstat, fd, &st) < 0 || (k->kind != CKPT_SESSION_FIFO && (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max))) {
		SYS1(SYS_close, fd);
		return 0;
	}
	int r = 0;
	if (!*begun) {
		r = ckpt_section_begin(w, CKPT_SEC_PLUGIN, CKPT_SESSION_SECTION);
		*begun = 1;
	}
	struct ckpt_session_entry e = { k->kind, (uint32_t)st.st_mode & 07777, k->kind == CKPT_SESSION_FIFO ? 0 : (uint64_t)st.st_size,
					(uint32_t)ckpt_strlen(k->path) + 1, 0 };
	if (r == 0)
		r = ckpt_section_write(w, &e, sizeof e);
	if (r == 0)
		r = write_padded(w, k->path, e.path_len);
	if (r == 0 && k->kind != CKPT_SESSION_FIFO)
		r = write_runs(w, s, fd, e.size, k->path);
	SYS1(SYS_close, fd);
	return r;
}

static int session_checkpoint(struct ckpt_writer *w)
{
	long m = SYS6(SYS_mmap, 0, sizeof(struct scratch), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m < 0 && m > -4096)
		return ckpt_fail("no memory to list the shared files");
	struct scratch *s = (struct scratch *)m;
	places(s);
	collect_mapped(s);
	collect_open(s, ckpt_writer_fd(w));
	int begun = 0, r = 0;
	for (uint32_t i = 0; i < s->nkept && r == 0; i++)
		r = write_entry(w, s, &s->kept[i], &begun);
	if (r == 0 && begun)
		r = ckpt_section_end(w);
	SYS2(SYS_munmap, m, sizeof(struct scratch));
	return r;
}

/* before the memory plugin (90): its scratch is gone by the time the
 * address space is listed */
static const struct ckpt_plugin session_plugin = {
	.name = "session",
	.order = 85,
	.checkpoint = session_checkpoint,
};
CKPT_PLUGIN(session_plugin)

/*
 * The contents of the files the program writes, checkpoint side (the restore
 * side is restore/file_contents.c; the format is include/ckpt_files.h).
 *
 * Regular files the process has open for writing or mapped shared and
 * writable are read while every thread is stopped, cut into chunks, and each
 * chunk is stored once in the snapshot directory as files/<XXH3-128>. A chunk
 * that the previous snapshot of the computation holds already (the order's
 * "filesFrom") is hard-linked from there instead of written, so a snapshot
 * costs what changed. Chunks follow the previous snapshot's boundaries for the
 * same file (kept in the process's own memory, which the image saves, so a
 * restarted process goes on from its snapshot's): a log that grew by a line
 * adds one chunk of that line. Files open for reading only are recorded as
 * checked (identity, size, time).
 */
#include "contents.h"
#include "../../../include/ckpt_files.h"
#include "../../../include/ckpt_xxh.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* pieces a block may be cut into before it is saved whole again */
#define PIECES_MAX 16
#define DEFAULT_SAVE_MAX (1ull << 30)

struct noted {
	int fd;       /* -1: opened by its path (a mapping, a tracked folder's file) */
	uint32_t why;
	uint32_t how; /* 0: a file; CKPT_FILE_DIR or CKPT_FILE_TREE */
	uint32_t mode;
	uint64_t dev, ino;
	uint64_t path_off; /* in the strings */
	uint32_t path_len;
};

#define SLOTS (1u << 17) /* > 2 * CKPT_FILES_MAX: the noted by identity */

/* one checkpoint's scratch, mapped at its start and gone before the memory
 * plugin looks at the address space */
struct scratch {
	char maps[1 << 20];
	char buf[CKPT_FILE_BLOCK];
	char own_root[4096]; /* the computation's directory: not the program's files */
	char store[4096];    /* the snapshot's files/ */
	uint32_t nnoted, full;
	uint32_t slots[SLOTS]; /* index + 1 in noted */
	struct noted noted[CKPT_FILES_MAX];
	struct ckpt_file_rec recs[CKPT_FILES_MAX];
	uint64_t strings_len;
	char strings[CKPT_FILE_STRINGS_MAX];
	struct ckpt_file_chunk chunks[]; /* up to CKPT_FILE_CHUNKS_MAX */
};
#define SCRATCH_SIZE (sizeof(struct scratch) + (uint64_t)CKPT_FILE_CHUNKS_MAX * sizeof(struct ckpt_file_chunk))

static struct scratch *sc;
static uint64_t nchunks;
static int cur_dir = -1, prev_dir = -1;
static uint32_t tmp_serial;

/* what the answer reports */
struct contents_stats contents_stats;

/*
 * The chunk boundaries of each file at the last checkpoint, by a hash of its
 * path: the ends of its chunks in order. Part of the process's memory on
 * purpose (see the top of this file).
 */
#define HIST_FILES 256
#define HIST_ENDS (1u << 17)
struct history {
	uint32_t nfiles, side;
	struct { uint64_t key; uint32_t first, n; } files[HIST_FILES];
	uint64_t ends[2][HIST_ENDS];
};
static struct history *hist;

static int image_dirs(struct ckpt_writer *w);

int contents_begin(struct ckpt_writer *w)
{
	long m = SYS6(SYS_mmap, 0, SCRATCH_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m < 0 && m > -4096)
		return ckpt_fail("cannot allocate memory to save the program's files");
	sc = (struct scratch *)m;
	nchunks = 0;
	__builtin_memset(&contents_stats, 0, sizeof contents_stats);
	if (!hist) {
		m = SYS6(SYS_mmap, 0, sizeof *hist, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m < 0 && m > -4096)
			return ckpt_fail("cannot allocate memory to save the program's files");
		hist = (struct history *)m;
	}
	return image_dirs(w);
}

void contents_end(void)
{
	if (sc)
		SYS2(SYS_munmap, sc, SCRATCH_SIZE);
	sc = 0;
	if (cur_dir >= 0)
		SYS1(SYS_close, cur_dir);
	if (prev_dir >= 0)
		SYS1(SYS_close, prev_dir);
	cur_dir = prev_dir = -1;
}

/* Files of the engine's own, of the kernel's, or of devices are not the program's data. */
static int excluded(const char *path, const char *own_root)
{
	if (path[0] != '/' || ckpt_startswith(path, "/proc/") || ckpt_startswith(path, "/sys/"))
		return 1;
	if (ckpt_startswith(path, "/dev/") && !ckpt_startswith(path, "/dev/shm/"))
		return 1;
	size_t n = ckpt_strlen(own_root);
	return n > 1 && ckpt_startswith(path, own_root) && path[n] == '/';
}

const char *contents_path(const struct noted *n) { return sc->strings + n->path_off; }

/* Notes a file (or a tracked folder's folder) once, by its identity; 0, or
 * -1 when the table is full (counted: the checkpoint fails naming it). */
int contents_note(int fd, uint32_t why, uint32_t how, uint32_t mode, uint64_t dev, uint64_t ino, const char *path)
{
	if (!sc || excluded(path, sc->own_root))
		return 0;
	uint32_t h = (uint32_t)((dev * 0x9E3779B97F4A7C15ull ^ ino) * 0xC2B2AE3D27D4EB4Full >> 40) % SLOTS;
	for (; sc->slots[h]; h = (h + 1) % SLOTS) {
		struct noted *n = &sc->noted[sc->slots[h] - 1];
		if (n->dev == dev && n->ino == ino) {
			n->why |= why;
			if (n->fd < 0)
				n->fd = fd;
			return 0;
		}
	}
	size_t len = ckpt_strlen(path);
	if (sc->nnoted >= CKPT_FILES_MAX || len + 1 > CKPT_FILE_STRINGS_MAX - sc->strings_len) {
		sc->full++;
		return -1;
	}
	struct noted *n = &sc->noted[sc->nnoted++];
	sc->slots[h] = sc->nnoted;
	*n = (struct noted){ .fd = fd, .why = why, .how = how, .mode = mode, .dev = dev, .ino = ino,
			     .path_off = sc->strings_len, .path_len = (uint32_t)len };
	__builtin_memcpy(sc->strings + sc->strings_len, path, len + 1);
	sc->strings_len += len + 1;
	return 0;
}

void contents_note_fd(int fd, const struct ckpt_fd *rec)
{
	if (!sc)
		return;
	uint32_t mode = rec->h.flags & O_ACCMODE;
	contents_note(fd, mode == O_RDONLY ? CKPT_FILE_READONLY : CKPT_FILE_WRITABLE, 0, rec->file.mode, rec->file.dev,
		      rec->file.ino, rec->path);
}

/* Shared writable file mappings, from /proc/self/maps (a file the program
 * writes through memory, such as a JVM's hsperfdata). */
static void note_mappings(void)
{
	if (ckpt_read_file("/proc/self/maps", sc->maps, sizeof sc->maps) < 0)
		return;
	for (const char *line = sc->maps; *line;) {
		const char *p = line;
		while (*line && *line != '\n')
			line++;
		const char *end = line;
		if (*line)
			line++;
		ckpt_parse_hex(&p);
		p++;
		ckpt_parse_hex(&p);
		char perms[5] = { p[1], p[2], p[3], p[4], 0 };
		if (perms[1] != 'w' || perms[3] != 's')
			continue;
		for (int field = 0; field < 3 && p < end; field++) { /* perms, offset, device */
			while (p < end && *p == ' ')
				p++;
			while (p < end && *p != ' ')
				p++;
		}
		while (p < end && *p == ' ')
			p++;
		uint64_t ino = (uint64_t)ckpt_parse_long(&p);
		while (p < end && *p == ' ')
			p++;
		char path[4096];
		size_t n = (size_t)(end - p) < sizeof path - 1 ? (size_t)(end - p) : sizeof path - 1;
		__builtin_memcpy(path, p, n);
		path[n] = 0;
		struct stat st;
		if (!ino || path[0] != '/' || SYS2(SYS_stat, path, &st) < 0 || st.st_ino != ino || !S_ISREG(st.st_mode))
			continue; /* deleted, replaced, or not a file: the memory plugin saves it as memory */
		contents_note(-1, CKPT_FILE_MAPPED, 0, st.st_mode, st.st_dev, st.st_ino, path);
	}
}

/* A JSON string at p (its opening quote), unescaped into out; the position
 * after its closing quote, or 0. */
const char *contents_json_string(const char *p, char *out, size_t n)
{
	if (*p != '"')
		return 0;
	size_t i = 0;
	for (p++; *p && *p != '"'; p++) {
		if (*p == '\\') {
			p++;
			if (*p != '"' && *p != '\\' && *p != '/')
				return 0; /* an escape a path of ours never needs */
		}
		if (i + 1 >= n)
			return 0;
		out[i++] = *p;
	}
	out[i] = 0;
	return *p == '"' ? p + 1 : 0;
}

/* Where the value of "key" starts in the order in progress, or 0. */
const char *contents_order_value(const char *key)
{
	const char *o = ckpt_control_order();
	size_t kl = ckpt_strlen(key);
	for (const char *p = o; p && *p; p++) {
		if (*p != '"' || !ckpt_startswith(p + 1, key) || p[1 + kl] != '"')
			continue;
		p += 2 + kl;
		while (*p == ' ' || *p == ':')
			p++;
		return p;
	}
	return 0;
}

static int order_string(const char *key, char *out, size_t n)
{
	const char *v = contents_order_value(key);
	return v && contents_json_string(v, out, n);
}

/* Where the chunks go (the image's folder's files/) and the computation's
 * directory, from the image's path; opened only after the fd table is saved
 * (an fd of the engine's own must not be taken for the program's). */
static int image_dirs(struct ckpt_writer *w)
{
	char *root = sc->own_root, *dir = sc->store;
	size_t n = sizeof sc->own_root;
	char link[64];
	ckpt_format_fd_link(link, sizeof link, ckpt_writer_fd(w));
	long l = SYS3(SYS_readlink, link, dir, sizeof sc->store - 16);
	if (l <= 0)
		return ckpt_fail("cannot find the image's directory");
	dir[l] = 0;
	while (l > 1 && dir[l - 1] != '/')
		l--;
	dir[l] = 0; /* with its '/' */
	/* the computation's directory (…/D/snapshots/<partial>/): its files are not the program's */
	ckpt_strlcpy(root, dir, n);
	for (int up = 0; up < 2; up++) {
		size_t k = ckpt_strlen(root);
		while (k > 1 && root[k - 1] == '/')
			root[--k] = 0;
		while (k > 1 && root[k - 1] != '/')
			root[--k] = 0;
	}
	size_t k = ckpt_strlen(root);
	if (k > 1)
		root[k - 1] = 0;
	size_t dl = ckpt_strlen(dir);
	ckpt_strlcpy(dir + dl, "files", sizeof sc->store - dl);
	return 0;
}

/* The snapshot directory's files/ (made here) and the previous snapshot's. */
static int open_stores(void)
{
	const char *dir = sc->store;
	long r = SYS2(SYS_mkdir, dir, 0700);
	if (r < 0 && r != -EEXIST)
		return ckpt_fail("cannot make %s: error %ld", dir, -r);
	cur_dir = (int)SYS3(SYS_open, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (cur_dir < 0)
		return ckpt_fail("cannot open %s", dir);
	char prev[4096];
	if (order_string("filesFrom", prev, sizeof prev - 8)) {
		size_t pl = ckpt_strlen(prev);
		ckpt_strlcpy(prev + pl, "/files", sizeof prev - pl);
		prev_dir = (int)SYS3(SYS_open, prev, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	}
	return 0;
}

static const char *errno_text(long e)
{
	switch (e) {
	case ENOSPC: return "no space left on device";
	case EDQUOT: return "disk quota exceeded";
	case EACCES: return "permission denied";
	case EIO: return "input/output error";
	default: return "write error";
	}
}

/* The chunk's bytes (sc->buf) into the store, unless it is there already or
 * the previous snapshot has it (then a hard link). */
static int store_chunk(const struct ckpt_file_chunk *c, const char *path)
{
	char name[CKPT_CHUNK_NAME];
	ckpt_chunk_name(name, c);
	const char *base = name + 6; /* past "files/" */
	if (prev_dir >= 0) {
		long r = SYS6(SYS_linkat, prev_dir, base, cur_dir, base, 0, 0);
		if (r == 0)
			contents_stats.linked_bytes += c->len;
		if (r == 0 || r == -EEXIST)
			return 0;
	} else if (SYS4(SYS_faccessat, cur_dir, base, F_OK, 0) == 0) {
		return 0;
	}
	char tmp[48];
	ckpt_fmt(tmp, sizeof tmp, ".w%d.%u", ckpt_rt.real_pid, tmp_serial++);
	int fd = (int)SYS4(SYS_openat, cur_dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return ckpt_fail("cannot save the file %s: %s", path, errno_text(-fd));
	for (uint64_t done = 0; done < c->len;) {
		long r = SYS3(SYS_write, fd, sc->buf + done, c->len - done);
		if (r == -EINTR)
			continue;
		if (r <= 0) {
			SYS1(SYS_close, fd);
			SYS3(SYS_unlinkat, cur_dir, tmp, 0);
			return ckpt_fail("cannot save the file %s: %s", path, errno_text(r ? -r : ENOSPC));
		}
		done += (uint64_t)r;
	}
	SYS1(SYS_close, fd);
	if (SYS4(SYS_renameat, cur_dir, tmp, cur_dir, base) < 0) {
		SYS3(SYS_unlinkat, cur_dir, tmp, 0);
		return ckpt_fail("cannot save the file %s", path);
	}
	contents_stats.added_bytes += c->len;
	return 0;
}

static uint64_t path_key(const char *path)
{
	return ckpt_hash_buf(path, ckpt_strlen(path)) | 1;
}

/* The ends of the file's chunks at the last checkpoint (n of them), or 0. */
static const uint64_t *history_of(uint64_t key, uint32_t *n)
{
	*n = 0;
	for (uint32_t i = 0; i < hist->nfiles; i++)
		if (hist->files[i].key == key && hist->files[i].first + hist->files[i].n <= HIST_ENDS) {
			*n = hist->files[i].n;
			return hist->ends[hist->side] + hist->files[i].first;
		}
	return 0;
}

/* Cuts [0, size) into chunks: the previous boundaries while they fit, then
 * blocks; a block cut into too many pieces is one chunk again. */
static int plan(uint64_t size, const uint64_t *ends, uint32_t nends, uint64_t first)
{
	uint64_t at = 0, n = first;
	for (uint32_t i = 0; i < nends && ends[i] <= size; i++) {
		/* the history is our own, but a chunk must never cross a block */
		if (ends[i] <= at || ends[i] - at > CKPT_FILE_BLOCK || (ends[i] - 1) / CKPT_FILE_BLOCK != at / CKPT_FILE_BLOCK)
			break;
		if (n >= CKPT_FILE_CHUNKS_MAX)
			return -1;
		sc->chunks[n++] = (struct ckpt_file_chunk){ .offset = at, .len = ends[i] - at };
		at = ends[i];
	}
	while (at < size) {
		uint64_t next = (at / CKPT_FILE_BLOCK + 1) * CKPT_FILE_BLOCK;
		if (next > size)
			next = size;
		if (n >= CKPT_FILE_CHUNKS_MAX)
			return -1;
		sc->chunks[n++] = (struct ckpt_file_chunk){ .offset = at, .len = next - at };
		at = next;
	}
	/* merge blocks of too many pieces, in place */
	uint64_t out = first;
	for (uint64_t i = first; i < n;) {
		uint64_t block = sc->chunks[i].offset / CKPT_FILE_BLOCK, j = i;
		while (j < n && sc->chunks[j].offset / CKPT_FILE_BLOCK == block)
			j++;
		if (j - i > PIECES_MAX) {
			uint64_t end = sc->chunks[j - 1].offset + sc->chunks[j - 1].len;
			sc->chunks[out++] = (struct ckpt_file_chunk){ .offset = block * CKPT_FILE_BLOCK,
								      .len = end - block * CKPT_FILE_BLOCK };
		} else {
			for (uint64_t k = i; k < j; k++)
				sc->chunks[out++] = sc->chunks[k];
		}
		i = j;
	}
	nchunks = out;
	return 0;
}

/* Reads, hashes and stores every chunk of the open file fd. */
static int save_chunks(int fd, struct ckpt_file_rec *rec, const char *path)
{
	for (uint64_t k = rec->first_chunk; k < rec->first_chunk + rec->nchunks; k++) {
		struct ckpt_file_chunk *c = &sc->chunks[k];
		for (uint64_t done = 0; done < c->len;) {
			long r = SYS4(SYS_pread64, fd, sc->buf + done, c->len - done, c->offset + done);
			if (r == -EINTR)
				continue;
			if (r <= 0)
				return ckpt_fail("cannot read the file %s to save it (it shrank while the program was stopped?)",
						 path);
			done += (uint64_t)r;
		}
		ckpt_xxh128(sc->buf, c->len, &c->hash_hi, &c->hash_lo);
		if (store_chunk(c, path) < 0)
			return -1;
	}
	contents_stats.saved_bytes += rec->size;
	return 0;
}

static uint64_t save_max(void)
{
	const char *v = ckpt_env("CKPT_FILES_MAX");
	if (!v || *v < '0' || *v > '9')
		return DEFAULT_SAVE_MAX;
	return (uint64_t)ckpt_parse_long(&v);
}

/* One noted file: its record, and its contents when the program writes it. */
static int save_file(struct noted *f, struct ckpt_file_rec *rec)
{
	__builtin_memset(rec, 0, sizeof *rec);
	rec->path_off = f->path_off;
	rec->path_len = f->path_len;
	rec->why = f->why;
	const char *path = contents_path(f);
	if (f->how) { /* a tracked folder's folder: its mode is all */
		rec->how = f->how;
		rec->mode = f->mode;
		rec->dev = f->dev;
		rec->ino = f->ino;
		return 0;
	}
	int fd;
	if (f->fd >= 0) {
		char link[64];
		ckpt_format_fd_link(link, sizeof link, f->fd);
		fd = (int)SYS3(SYS_open, link, O_RDONLY | O_CLOEXEC, 0);
	} else {
		fd = (int)SYS3(SYS_open, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
	}
	struct stat st;
	int have = fd >= 0 && SYS2(SYS_fstat, fd, &st) == 0 && st.st_ino == f->ino;
	if (have) {
		rec->dev = st.st_dev;
		rec->ino = st.st_ino;
		rec->size = (uint64_t)st.st_size;
		rec->mode = st.st_mode;
		rec->mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;
	} else {
		rec->dev = f->dev;
		rec->ino = f->ino;
	}
	int writes = (f->why & (CKPT_FILE_WRITABLE | CKPT_FILE_MAPPED | CKPT_FILE_TRACKED)) != 0;
	if (writes && !have)
		rec->why |= CKPT_FILE_UNREADABLE;
	else if (writes && rec->size > save_max())
		rec->why |= CKPT_FILE_TOO_LARGE;
	rec->how = writes && !(rec->why & (CKPT_FILE_UNREADABLE | CKPT_FILE_TOO_LARGE)) ? CKPT_FILE_SAVED : CKPT_FILE_CHECKED;
	int rc = 0;
	if (rec->how == CKPT_FILE_SAVED) {
		uint32_t nends;
		const uint64_t *ends = history_of(path_key(path), &nends);
		rec->first_chunk = nchunks;
		if (plan(rec->size, ends, nends, nchunks) < 0)
			rc = ckpt_fail("the file %s is cut into too many pieces to be saved", path);
		rec->nchunks = nchunks - rec->first_chunk;
		if (rc == 0)
			rc = save_chunks(fd, rec, path);
		contents_stats.saved++;
		if (f->why & CKPT_FILE_TRACKED)
			contents_stats.tracked++;
	} else {
		contents_stats.checked++;
		if (writes)
			contents_stats.not_saved++;
	}
	if (fd >= 0)
		SYS1(SYS_close, fd);
	return rc;
}

/* The boundaries of this checkpoint's saved files become the history. */
static void remember(uint32_t nrecs)
{
	uint32_t side = hist->side ^ 1, used = 0, nf = 0;
	for (uint32_t i = 0; i < nrecs && nf < HIST_FILES; i++) {
		struct ckpt_file_rec *rec = &sc->recs[i];
		if (rec->how != CKPT_FILE_SAVED || used + rec->nchunks > HIST_ENDS)
			continue;
		hist->files[nf].key = path_key(sc->strings + rec->path_off);
		hist->files[nf].first = used;
		hist->files[nf].n = (uint32_t)rec->nchunks;
		for (uint64_t k = 0; k < rec->nchunks; k++) {
			const struct ckpt_file_chunk *c = &sc->chunks[rec->first_chunk + k];
			hist->ends[side][used++] = c->offset + c->len;
		}
		nf++;
	}
	hist->nfiles = nf;
	hist->side = side;
}

int contents_write(struct ckpt_writer *w)
{
	if (open_stores() < 0)
		return -1;
	note_mappings();
	if (tracked_note_all() < 0)
		return -1;
	if (sc->full)
		return ckpt_fail("the program's files are too many to save (over %u, or their paths over %u bytes)",
				 CKPT_FILES_MAX, CKPT_FILE_STRINGS_MAX);
	uint32_t nrecs = sc->nnoted;
	for (uint32_t i = 0; i < nrecs; i++)
		if (save_file(&sc->noted[i], &sc->recs[i]) < 0)
			return -1;
	if (!nrecs)
		return 0;
	struct ckpt_files_head head = { .nfiles = nrecs, .nchunks = nchunks, .strings_size = sc->strings_len };
	if (ckpt_section_begin(w, CKPT_SEC_FILES, 0) < 0 || ckpt_section_write(w, &head, sizeof head) < 0 ||
	    ckpt_section_write(w, sc->recs, nrecs * sizeof sc->recs[0]) < 0 ||
	    (nchunks && ckpt_section_write(w, sc->chunks, nchunks * sizeof sc->chunks[0]) < 0) ||
	    ckpt_section_write(w, sc->strings, sc->strings_len) < 0 || ckpt_section_end(w) < 0)
		return -1;
	remember(nrecs);
	return 0;
}

void contents_answer(struct ckpt_json *j)
{
	ckpt_json_key(j, "files");
	ckpt_json_open(j, '{');
	ckpt_json_key(j, "saved");
	ckpt_json_int(j, (long)contents_stats.saved);
	ckpt_json_key(j, "checked");
	ckpt_json_int(j, (long)contents_stats.checked);
	ckpt_json_key(j, "notSaved");
	ckpt_json_int(j, (long)contents_stats.not_saved);
	ckpt_json_key(j, "bytes");
	ckpt_json_int(j, (long)contents_stats.saved_bytes);
	ckpt_json_key(j, "addedBytes");
	ckpt_json_int(j, (long)contents_stats.added_bytes);
	ckpt_json_key(j, "tracked");
	ckpt_json_int(j, (long)contents_stats.tracked);
	ckpt_json_close(j, '}');
	if (pipes_stdin_bytes) { /* the coordinator tells whether the pipe comes from outside */
		ckpt_json_key(j, "stdin");
		ckpt_json_open(j, '{');
		ckpt_json_key(j, "ino");
		ckpt_json_int(j, (long)pipes_stdin_ino);
		ckpt_json_key(j, "bytes");
		ckpt_json_int(j, (long)pipes_stdin_bytes);
		ckpt_json_close(j, '}');
	}
}

/*
 * The files the program wrote, restore side (the checkpoint side is
 * lib/plugins/files/contents.c; the records are include/ckpt_files.h).
 *
 * Before any other stage opens a file, every saved file is put back as it was
 * at the snapshot (contents, size, mode, modification time), and every file
 * that was only checked is compared with its record. In order, so that a
 * refusal leaves the disk as it was:
 *   1. check: each saved file's chunks are in the snapshot, and its path is a
 *      regular file, or nothing in an existing folder; a file whose contents
 *      are those of the snapshot already needs nothing;
 *   2. prepare: the new contents go to a temporary file beside each target
 *      (every chunk checked against its hash); running out of space, or of
 *      permission, fails here;
 *   3. keep: what each target holds now is kept in the snapshot directory,
 *      under replaced/<time>/ (a hard link, or a copy on another file system);
 *   4. commit: each temporary file is renamed over its target.
 * A failure in 2-4, or in a later stage before the program runs (the undo
 * stays armed until then), undoes what was done. --check does only 1.
 */
#include "rt.h"
#include "file_contents.h"
#include "../include/ckpt_files.h"
#include "../include/ckpt_xxh.h"

enum { NR_lstat = 6, NR_rename = 82, NR_mkdir = 83, NR_link = 86, NR_unlink = 87, NR_fchmod = 91,
       NR_utimensat = 280 };
#define O_NOFOLLOW 0400000
#define S_IFMT 0170000
#define S_IFREG 0100000
#define S_IFDIR 0040000
#define S_IFLNK 0120000

enum action { SAME = 1, REPLACE, CREATE };

struct put {
	struct ckpt_file_rec *rec;
	struct ckpt_file_chunk *chunks; /* the record's own */
	const char *snapdir;            /* where its chunks are, with a final '/' */
	const char *target;             /* the path now (--path-map) */
	enum action action;
	int committed;
	uint64_t was_size;
	char *tmp, *kept;
};

static struct put *puts_;
static uint32_t nputs;
static struct ckpt_file_rec **checked;
static uint32_t nchecked;
static char *buf; /* one chunk */
static int undo_armed;
static int strict;

void file_contents_strict(void) { strict = 1; }

static char *join(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = c ? strlen(c) : 0;
	char *p = arena_alloc(la + lb + lc + 1);
	memcpy(p, a, la);
	memcpy(p + la, b, lb);
	if (c)
		memcpy(p + la + lb, c, lc);
	p[la + lb + lc] = 0;
	return p;
}

/* the image's directory, with its final '/' ("" for an image in the cwd) */
static const char *dir_of(const char *path)
{
	size_t n = strlen(path);
	while (n && path[n - 1] != '/')
		n--;
	char *d = arena_alloc(n + 1);
	memcpy(d, path, n);
	d[n] = 0;
	return d;
}

static long st_mode(const uint64_t *st) { return (long)(st[3] & 0xffffffff); }

static long read_full(int fd, char *p, uint64_t n, uint64_t off)
{
	for (uint64_t done = 0; done < n;) {
		long r = sys4(NR_pread64, fd, p + done, n - done, off + done);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? r : -5 /* EIO: shorter than recorded */;
		done += (uint64_t)r;
	}
	return 0;
}

static long write_full(int fd, const char *p, uint64_t n)
{
	for (uint64_t done = 0; done < n;) {
		long r = sys3(NR_write, fd, p + done, n - done);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? r : -28 /* ENOSPC */;
		done += (uint64_t)r;
	}
	return 0;
}

/* Opens chunk c of a saved file, checking that it is there and whole. */
static int open_chunk(struct put *p, const struct ckpt_file_chunk *c)
{
	char name[CKPT_CHUNK_NAME];
	ckpt_chunk_name(name, c);
	const char *path = join(p->snapdir, name, 0);
	long fd = sys3(NR_open, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
	uint64_t st[18];
	if (fd < 0 || sys2(NR_fstat, fd, st) < 0 || st[6] != c->len)
		fail4("the snapshot is damaged: the saved contents of ", p->rec->path, " are missing or cut short: ", path);
	return (int)fd;
}

/* Whether the file open at fd holds exactly the saved contents. */
static int same_contents(struct put *p, int fd, uint64_t size)
{
	if (size != p->rec->size)
		return 0;
	for (uint64_t k = 0; k < p->rec->nchunks; k++) {
		const struct ckpt_file_chunk *c = &p->chunks[k];
		uint64_t hi, lo;
		if (read_full(fd, buf, c->len, c->offset) < 0)
			return 0;
		ckpt_xxh128(buf, c->len, &hi, &lo);
		if (hi != c->hash_hi || lo != c->hash_lo)
			return 0;
	}
	return 1;
}

/* Step 1 for one saved file: what putting it back means, or a refusal. */
static void plan_put(struct put *p, int check)
{
	for (uint64_t k = 0; k < p->rec->nchunks; k++)
		sys1(NR_close, open_chunk(p, &p->chunks[k]));
	uint64_t st[18];
	long r = sys2(NR_lstat, p->target, st);
	if (r == -ENOENT) {
		const char *dir = dir_of(p->target);
		if (sys2(NR_stat, dir[0] ? dir : ".", st) < 0 || (st_mode(st) & S_IFMT) != S_IFDIR)
			fail4("cannot put back the file ", p->target, " as it was at the snapshot: its folder is gone: ", dir);
		p->action = CREATE;
		return;
	}
	if (r < 0)
		fail4("cannot put back the file ", p->target, ": ", errno_name(r));
	if ((st_mode(st) & S_IFMT) == S_IFLNK)
		fail("cannot put back the file ", p->target, ": it is a symbolic link now (not followed)");
	if ((st_mode(st) & S_IFMT) != S_IFREG)
		fail("cannot put back the file ", p->target,
		     ": a folder or special file is where it was (move it away and restart again)");
	p->was_size = st[6];
	p->action = REPLACE;
	if (check)
		return;
	long fd = sys3(NR_open, p->target, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
	if (fd >= 0 && same_contents(p, (int)fd, st[6]))
		p->action = SAME;
	if (fd >= 0)
		sys1(NR_close, fd);
}

/* A checked file: whether it still is the one the program had open. */
static int changed(struct ckpt_file_rec *rec, uint64_t *now_size)
{
	int moved;
	const char *path = world_path(rec->path, &moved);
	uint64_t st[18];
	if (sys2(NR_stat, path, st) < 0)
		return 0; /* gone: files.c names it when it cannot reopen it */
	*now_size = st[6];
	uint64_t mtime = st[11] * 1000000000ull + st[12];
	return (!moved && (st[0] != rec->dev || st[1] != rec->ino)) || st[6] != rec->size || mtime != rec->mtime_ns;
}

static void gather(struct image *ims, uint32_t n)
{
	uint32_t cap = 0;
	struct ckpt_files *f = arena_alloc((n + 1) * sizeof *f);
	for (uint32_t i = 0; i < n; i++) {
		image_path = ims[i].path;
		if (ckpt_files_read(ims[i].reader, &f[i]))
			fail(ims[i].reader->msg, 0, 0);
		cap += f[i].head ? f[i].head->nfiles : 0;
	}
	puts_ = arena_alloc((cap + 1) * sizeof *puts_);
	checked = arena_alloc((cap + 1) * sizeof *checked);
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t k = 0; f[i].head && k < f[i].head->nfiles; k++) {
			struct ckpt_file_rec *rec = &f[i].recs[k];
			/* one put per path: the processes that wrote it saved the same moment */
			int seen = 0;
			for (uint32_t j = 0; j < nputs && !seen; j++)
				seen = streq(puts_[j].rec->path, rec->path);
			if (seen)
				continue;
			if (rec->how == CKPT_FILE_CHECKED) {
				checked[nchecked++] = rec;
				continue;
			}
			struct put *p = &puts_[nputs++];
			memset(p, 0, sizeof *p);
			p->rec = rec;
			p->chunks = &f[i].chunks[rec->first_chunk];
			p->snapdir = dir_of(ims[i].path);
			p->target = world_path(rec->path, 0);
		}
	/* a file one process wrote and another only read is put back, not checked */
	uint32_t keep = 0;
	for (uint32_t j = 0; j < nchecked; j++)
		if (!file_contents_saved(checked[j]->path))
			checked[keep++] = checked[j];
	nchecked = keep;
}

/* Step 2 for one file: its new contents in a temporary file beside it. */
static long prepare(struct put *p, uint32_t serial)
{
	char num[48];
	path_num(num, sizeof num, ".ckpt-restore.", sys0(NR_getpid) * 1000 + serial);
	p->tmp = join(dir_of(p->target), num, 0);
	long fd = sys3(NR_open, p->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		p->tmp = 0;
		return fd;
	}
	long r = 0;
	for (uint64_t k = 0; r == 0 && k < p->rec->nchunks; k++) {
		const struct ckpt_file_chunk *c = &p->chunks[k];
		int in = open_chunk(p, c);
		uint64_t hi, lo;
		r = read_full(in, buf, c->len, 0);
		sys1(NR_close, in);
		ckpt_xxh128(buf, c->len, &hi, &lo);
		if (r == 0 && (hi != c->hash_hi || lo != c->hash_lo))
			fail("the snapshot is damaged: the saved contents of ", p->rec->path, " do not match their hash");
		if (r == 0)
			r = write_full((int)fd, buf, c->len);
	}
	if (r == 0)
		r = sys2(NR_fchmod, fd, p->rec->mode & 07777);
	long times[4] = { 0, (1l << 30) - 2 /* UTIME_OMIT: access time */, (long)(p->rec->mtime_ns / 1000000000ull),
			  (long)(p->rec->mtime_ns % 1000000000ull) };
	if (r == 0)
		r = sys4(NR_utimensat, fd, 0, times, 0);
	sys1(NR_close, fd);
	return r;
}

/* Copies src to a new file dst (a backup on another file system). */
static long copy_file(const char *src, const char *dst)
{
	long in = sys3(NR_open, src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
	if (in < 0)
		return in;
	long out = sys3(NR_open, dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	long r = out < 0 ? out : 0;
	for (uint64_t off = 0; r == 0;) {
		long got = sys4(NR_pread64, in, buf, CKPT_FILE_BLOCK, off);
		if (got == -EINTR)
			continue;
		if (got <= 0) {
			r = got;
			break;
		}
		r = write_full((int)out, buf, (uint64_t)got);
		off += (uint64_t)got;
	}
	sys1(NR_close, in);
	if (out >= 0)
		sys1(NR_close, out);
	if (r < 0 && out >= 0)
		sys1(NR_unlink, dst);
	return r;
}

/* Step 3: the current contents of each file about to be replaced, kept. */
static long keep_current(const char *snapdir, uint32_t *failed)
{
	long ts[2];
	sys2(NR_clock_gettime, 0 /* CLOCK_REALTIME */, ts);
	char stamp[48];
	path_num(stamp, sizeof stamp, "replaced/", ts[0] * 1000 + ts[1] / 1000000);
	const char *top = join(snapdir, "replaced", 0), *dir = join(snapdir, stamp, "/");
	long r = sys2(NR_mkdir, top, 0700);
	if (r < 0 && r != -EEXIST)
		return r;
	r = sys2(NR_mkdir, dir, 0700);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < nputs; i++) {
		struct put *p = &puts_[i];
		if (p->action != REPLACE)
			continue;
		const char *base = p->target + strlen(dir_of(p->target));
		char num[24];
		path_num(num, sizeof num, "", i + 1);
		p->kept = join(dir, num, join("-", base, 0));
		r = sys2(NR_link, p->target, p->kept);
		if (r < 0)
			r = copy_file(p->target, p->kept);
		if (r < 0) {
			p->kept = 0;
			*failed = i;
			return r;
		}
	}
	return 0;
}

/* Puts everything back as it was before step 2. */
static void undo(void)
{
	for (uint32_t i = 0; i < nputs; i++) {
		struct put *p = &puts_[i];
		if (p->committed && p->action == REPLACE && p->kept)
			sys2(NR_rename, p->kept, p->target); /* the kept link is the file as it was */
		else if (p->committed && p->action == CREATE)
			sys1(NR_unlink, p->target);
		else if (p->kept)
			sys1(NR_unlink, p->kept);
		if (p->tmp && !p->committed)
			sys1(NR_unlink, p->tmp);
		p->committed = 0;
	}
}

static void undo_on_fail(void)
{
	if (undo_armed)
		undo();
	undo_armed = 0;
}

__attribute__((noreturn)) static void refuse(struct put *p, const char *what, long err)
{
	undo();
	fail4(what, p->target, ": ", errno_name(err));
}

/* Steps 2 to 4. */
static void put_all(void)
{
	for (uint32_t i = 0; i < nputs; i++) {
		if (puts_[i].action == SAME)
			continue;
		long r = prepare(&puts_[i], i);
		if (r < 0)
			refuse(&puts_[i], "cannot put back the file ", r);
	}
	uint32_t failed = 0;
	for (uint32_t i = 0; i < nputs; i++) {
		if (puts_[i].action != REPLACE)
			continue;
		long r = keep_current(puts_[i].snapdir, &failed);
		if (r < 0)
			refuse(&puts_[failed], "cannot keep the current contents of ", r);
		break; /* one folder for all, in the first saved file's snapshot */
	}
	undo_armed = 1;
	fail_undo = undo_on_fail;
	for (uint32_t i = 0; i < nputs; i++) {
		struct put *p = &puts_[i];
		if (p->action == SAME)
			continue;
		long r = sys2(NR_rename, p->tmp, p->target);
		if (r < 0)
			refuse(p, "cannot put back the file ", r);
		p->committed = 1;
	}
}

void file_contents_restore(struct image *ims, uint32_t n, int check)
{
	gather(ims, n);
	buf = arena_alloc(CKPT_FILE_BLOCK);
	for (uint32_t i = 0; i < nputs; i++)
		plan_put(&puts_[i], check);
	for (uint32_t i = 0; i < nchecked; i++) {
		uint64_t now = 0;
		if (!changed(checked[i], &now))
			continue;
		if (strict)
			fail("the file ", checked[i]->path, " changed since the snapshot (--strict)");
		notes_changed(checked[i], now);
	}
	if (check)
		return;
	put_all();
	for (uint32_t i = 0; i < nputs; i++)
		if (puts_[i].action != SAME)
			notes_put(puts_[i].rec, puts_[i].target, puts_[i].action == CREATE, puts_[i].was_size, puts_[i].kept);
	notes_done();
}

void file_contents_disarm(void)
{
	undo_armed = 0;
	fail_undo = 0;
}

int file_contents_saved(const char *path)
{
	for (uint32_t i = 0; i < nputs; i++)
		if (streq(puts_[i].rec->path, path))
			return 1;
	return 0;
}

int file_contents_pending(const char *path)
{
	for (uint32_t i = 0; i < nputs; i++)
		if (streq(puts_[i].rec->path, path))
			return puts_[i].action != SAME && !puts_[i].committed;
	return 0;
}

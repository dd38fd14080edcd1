/*
 * The files the program wrote, restore side (the checkpoint side is
 * lib/plugins/files/contents.c; the records are include/ckpt_files.h).
 *
 * Before any other stage opens a file, every saved file is put back as it was
 * at the snapshot (contents, size, mode, modification time), tracked folders
 * are made what they were (file_trees.c), and every file that was only checked
 * is compared with its record. In order, so that a refusal leaves the disk as
 * it was:
 *   1. check: each saved file's chunks are in the snapshot, and its path is a
 *      regular file, or nothing in a folder that exists or will be made; a file
 *      whose contents are those of the snapshot already needs nothing;
 *   2. prepare: the folders of tracked folders that are missing are made, and
 *      the new contents go to a temporary file beside each target (every chunk
 *      checked against its hash); running out of space, or of permission,
 *      fails here;
 *   3. keep: what each target holds now is kept in the snapshot directory,
 *      under replaced/<time>/ (a hard link, or a copy on another file system),
 *      and what is in a tracked folder without a record is moved there;
 *   4. commit: each temporary file is renamed over its target.
 * A failure in 2-4, or in a later stage before the program runs (the undo
 * stays armed until then), undoes what was done. --check does only 1.
 */
#include "file_contents.h"
#include "../include/ckpt_xxh.h"

struct put {
	const struct ckpt_file_rec *rec;
	const char *path;                     /* as recorded */
	const struct ckpt_file_chunk *chunks; /* the record's own */
	const char *snapdir;                  /* where its chunks are, with a final '/' */
	const char *target;                   /* the path now (--path-map) */
	enum { SAME = 1, REPLACE, CREATE, MADE_BY_SESSION } action;
	int committed;
	uint64_t was_size;
	char *tmp, *kept;
};

struct checked {
	const struct ckpt_file_rec *rec;
	const char *path;
};

static struct put *puts_;
static uint32_t nputs;
static struct checked *checked;
static uint32_t nchecked;
static char *buf; /* one chunk */
static const char *first_snapdir, *keep_dir;
static int undo_armed;
static int strict;

void file_contents_strict(void) { strict = 1; }

char *fc_join(const char *a, const char *b, const char *c)
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

const char *fc_dir_of(const char *path)
{
	size_t n = strlen(path);
	while (n && path[n - 1] != '/')
		n--;
	char *d = arena_alloc(n + 1);
	memcpy(d, path, n);
	d[n] = 0;
	return d;
}

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
	const char *path = fc_join(p->snapdir, name, 0);
	long fd = sys3(NR_open, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
	uint64_t st[18];
	if (fd < 0 || sys2(NR_fstat, fd, st) < 0 || st[6] != c->len)
		fail4("the snapshot is damaged: the saved contents of ", p->path, " are missing or cut short: ", path);
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
	/* A file the processes shared in the temporary directory that was gone is
	 * made again, folder and all, with the snapshot's bytes by the session
	 * files (session.c), which run first; a check counts it as there. */
	int session = session_file(p->target);
	if (session == 2 || (session && session_made_again(p->target))) {
		p->action = session == 2 ? SAME : MADE_BY_SESSION;
		return;
	}
	uint64_t st[18];
	long r = sys2(NR_lstat, p->target, st);
	if (r == -ENOENT) {
		const char *dir = fc_dir_of(p->target);
		int there = sys2(NR_stat, dir[0] ? dir : ".", st) == 0 && (fc_mode(st) & S_IFMT) == S_IFDIR;
		if (!there && !trees_will_make(dir))
			fail4("cannot put back the file ", p->target, " as it was at the snapshot: its folder is gone: ", dir);
		p->action = CREATE;
		return;
	}
	if (r < 0)
		fail4("cannot put back the file ", p->target, ": ", errno_name(r));
	if ((fc_mode(st) & S_IFMT) == S_IFLNK)
		fail("cannot put back the file ", p->target, ": it is a symbolic link now (not followed)");
	if ((fc_mode(st) & S_IFMT) != S_IFREG)
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
static int changed(const struct checked *c, uint64_t *now_size)
{
	int moved;
	const char *path = world_path(c->path, &moved);
	uint64_t st[18];
	if (sys2(NR_stat, path, st) < 0)
		return 0; /* gone: files.c names it when it cannot reopen it */
	*now_size = st[6];
	uint64_t mtime = st[11] * 1000000000ull + st[12];
	const struct ckpt_file_rec *rec = c->rec;
	return (!moved && (st[0] != rec->dev || st[1] != rec->ino)) || st[6] != rec->size || mtime != rec->mtime_ns;
}

static int is_put(const char *path)
{
	for (uint32_t j = 0; j < nputs; j++)
		if (streq(puts_[j].path, path))
			return 1;
	return 0;
}

/* One record of image im. */
static void gather_one(struct image *im, const struct ckpt_files *f, const struct ckpt_file_rec *rec)
{
	const char *path = ckpt_file_path(f, rec);
	trees_record(world_path(path, 0));
	if (rec->how == CKPT_FILE_DIR || rec->how == CKPT_FILE_TREE) {
		trees_add(rec, world_path(path, 0));
		return;
	}
	/* one put per path: the processes that wrote it saved the same moment */
	if (is_put(path))
		return;
	if (rec->how == CKPT_FILE_CHECKED) {
		checked[nchecked++] = (struct checked){ rec, path };
		return;
	}
	struct put *p = &puts_[nputs++];
	memset(p, 0, sizeof *p);
	p->rec = rec;
	p->path = path;
	p->chunks = &f->chunks[rec->first_chunk];
	p->snapdir = fc_dir_of(im->path);
	p->target = world_path(path, 0);
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
	trees_begin(cap);
	first_snapdir = fc_dir_of(ims[0].path);
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t k = 0; f[i].head && k < f[i].head->nfiles; k++)
			gather_one(&ims[i], &f[i], &f[i].recs[k]);
	/* a file one process wrote and another only read is put back, not checked */
	uint32_t keep = 0;
	for (uint32_t j = 0; j < nchecked; j++)
		if (!is_put(checked[j].path))
			checked[keep++] = checked[j];
	nchecked = keep;
}

/* Step 2 for one file: its new contents in a temporary file beside it. */
static long prepare(struct put *p, uint32_t serial)
{
	char num[48];
	path_num(num, sizeof num, ".ckpt-restore.", sys0(NR_getpid) * 100000 + serial);
	p->tmp = fc_join(fc_dir_of(p->target), num, 0);
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
			fail("the snapshot is damaged: the saved contents of ", p->path, " do not match their hash");
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

long fc_copy_file(const char *src, const char *dst)
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

/* The folder what a restart replaces is kept in (made on first use), or 0 with *err. */
const char *fc_keep_dir(long *err)
{
	if (keep_dir)
		return keep_dir;
	long ts[2];
	sys2(NR_clock_gettime, 0 /* CLOCK_REALTIME */, ts);
	char stamp[48];
	path_num(stamp, sizeof stamp, "replaced/", ts[0] * 1000 + ts[1] / 1000000);
	const char *top = fc_join(first_snapdir, "replaced", 0), *dir = fc_join(first_snapdir, stamp, "/");
	long r = sys2(NR_mkdir, top, 0700);
	if (r < 0 && r != -EEXIST)
		return *err = r, (const char *)0;
	r = sys2(NR_mkdir, dir, 0700);
	if (r < 0)
		return *err = r, (const char *)0;
	return keep_dir = dir;
}

/* A name in the keep folder for path: n-name. */
char *fc_kept_name(const char *dir, const char *path, uint32_t n)
{
	char num[24];
	path_num(num, sizeof num, "", n);
	return fc_join(dir, num, fc_join("-", path + strlen(fc_dir_of(path)), 0));
}

/* Step 3: the current contents of each file about to be replaced, kept. */
static long keep_current(uint32_t *failed)
{
	for (uint32_t i = 0; i < nputs; i++) {
		struct put *p = &puts_[i];
		if (p->action != REPLACE)
			continue;
		long r = 0;
		const char *dir = fc_keep_dir(&r);
		if (!dir)
			return *failed = i, r;
		p->kept = fc_kept_name(dir, p->target, i + 1);
		r = sys2(NR_link, p->target, p->kept);
		if (r < 0)
			r = fc_copy_file(p->target, p->kept);
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
	trees_undo();
	if (keep_dir) { /* the kept files are back where they were: the folders go too */
		sys1(NR_rmdir, keep_dir);
		sys1(NR_rmdir, fc_join(first_snapdir, "replaced", 0));
	}
}

static void undo_on_fail(void)
{
	if (undo_armed)
		undo();
	undo_armed = 0;
}

__attribute__((noreturn)) static void refuse(const char *what, const char *path, long err)
{
	undo();
	file_contents_disarm();
	fail4(what, path, ": ", errno_name(err));
}

/* Steps 2 to 4. */
static void put_all(void)
{
	undo_armed = 1;
	fail_undo = undo_on_fail;
	const char *failed_path = 0;
	long r = trees_make(&failed_path);
	if (r < 0)
		refuse("cannot make the folder ", failed_path, r);
	for (uint32_t i = 0; i < nputs; i++) {
		if (puts_[i].action == SAME || puts_[i].action == MADE_BY_SESSION)
			continue;
		r = prepare(&puts_[i], i);
		if (r < 0)
			refuse("cannot put back the file ", puts_[i].target, r);
	}
	uint32_t failed = 0;
	r = keep_current(&failed);
	if (r < 0)
		refuse("cannot keep the current contents of ", puts_[failed].target, r);
	r = trees_keep_extras(&failed_path);
	if (r < 0)
		refuse("cannot keep aside ", failed_path, r);
	for (uint32_t i = 0; i < nputs; i++) {
		struct put *p = &puts_[i];
		if (p->action == SAME || p->action == MADE_BY_SESSION)
			continue;
		r = sys2(NR_rename, p->tmp, p->target);
		if (r < 0)
			refuse("cannot put back the file ", p->target, r);
		p->committed = 1;
	}
}

/* The computation's directory, from the first image's: …/D/snapshots/ID/. */
static const char *own_dir(void)
{
	const char *d = first_snapdir;
	size_t n = strlen(d);
	for (int up = 0; up < 2 && n; up++) {
		if (n && d[n - 1] == '/')
			n--;
		while (n && d[n - 1] != '/')
			n--;
	}
	while (n > 1 && d[n - 1] == '/')
		n--;
	char *o = arena_alloc(n + 1);
	memcpy(o, d, n);
	o[n] = 0;
	return o;
}

void file_contents_restore(struct image *ims, uint32_t n, int check)
{
	gather(ims, n);
	buf = arena_alloc(CKPT_FILE_BLOCK);
	trees_plan(own_dir());
	for (uint32_t i = 0; i < nputs; i++)
		plan_put(&puts_[i], check);
	for (uint32_t i = 0; i < nchecked; i++) {
		uint64_t now = 0;
		if (!changed(&checked[i], &now))
			continue;
		if (strict)
			fail("the file ", checked[i].path, " changed since the snapshot (--strict)");
		notes_changed(checked[i].path, checked[i].rec->size, now);
	}
	if (check)
		return;
	put_all();
	for (uint32_t i = 0; i < nputs; i++)
		if (puts_[i].action != SAME)
			notes_put(puts_[i].target, puts_[i].rec->size, puts_[i].action != REPLACE, puts_[i].was_size, puts_[i].kept);
	trees_notes();
	notes_done();
}

void file_contents_disarm(void)
{
	undo_armed = 0;
	fail_undo = 0;
}

int file_contents_saved(const char *path)
{
	return is_put(path);
}

int file_contents_pending(const char *path)
{
	for (uint32_t i = 0; i < nputs; i++)
		if (streq(puts_[i].path, path))
			return puts_[i].action != SAME && puts_[i].action != MADE_BY_SESSION && !puts_[i].committed;
	return 0;
}

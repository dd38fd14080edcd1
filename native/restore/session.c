/*
 * Session files (include/ckpt_session.h, lib/plugins/session/): files the
 * processes mapped shared in the temporary directory or on a tmpfs, and the
 * files and FIFOs they held open beside them, which the program deletes when
 * it ends. Before any file of the snapshot is opened, those that are gone are
 * made again (with their directories, 0700) from the snapshot's bytes, so that
 * every later check finds them; a refusal removes them again (session_undo).
 * Mapped files that are still there get the snapshot's bytes only once nothing
 * can be refused any more (session_commit): a program that still uses them
 * loses nothing to a restart that does not happen. Several processes that
 * mapped one file saved it at the same instant: the first image puts it back.
 *
 * Directories are walked one component at a time without following symbolic
 * links: a link planted in a shared temporary directory leads nowhere. A check
 * (--check) changes nothing: a file that a restart would make again is noted
 * as held, so that opening it is not a missing file.
 */
#include "rt.h"
#include "../include/ckpt_reader.h"
#include "../include/ckpt_session.h"

enum { NR_pwrite64 = 18, NR_ftruncate = 77, NR_rmdir = 84, NR_unlink = 87, NR_mkdirat = 258, NR_mknodat = 259,
       NR_fallocate = 285 };
#define O_NOFOLLOW 0400000
#define O_PATH 010000000
#define S_IFIFO 0010000
#define FALLOC_PUNCH_HOLE 3 /* FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE */

enum held_state {
	THERE,   /* there, as it is (or made again now) */
	REWRITE, /* mapped and there: gets the snapshot's bytes at session_commit */
	GONE,    /* in a check: gone now, made again by a restart */
};

struct held {
	const char *path;
	enum held_state state;
	const struct ckpt_session_entry *e;
	const char *runs, *end; /* its bytes */
};

static struct held *held;
static uint32_t nheld, cap;
/* what was made again, in order, for session_undo: files and directories */
static const char **made;
static uint32_t nmade, made_cap;
static int committed;

static void note_made(const char *path, size_t len)
{
	if (nmade == made_cap)
		return;
	char *p = arena_alloc(len + 1);
	memcpy(p, path, len);
	p[len] = 0;
	made[nmade++] = p;
}

static struct held *find(const char *path)
{
	for (uint32_t i = 0; i < nheld; i++)
		if (streq(held[i].path, path))
			return &held[i];
	return 0;
}

/* The directory that holds path's last component, made as needed (0700),
 * opened without following any link; *leaf points at that component. */
static long open_parent(const char *path, int make, const char **leaf)
{
	long dir = sys3(NR_open, "/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	const char *p = path;
	while (*p == '/')
		p++;
	for (;;) {
		const char *end = p;
		while (*end && *end != '/')
			end++;
		if (!*end || dir < 0) {
			*leaf = p;
			return dir;
		}
		char name[256];
		if ((size_t)(end - p) >= sizeof name)
			fail("a kept file's path has a component too long: ", path, 0);
		memcpy(name, p, (size_t)(end - p));
		name[end - p] = 0;
		long next = sys4(NR_openat, dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
		if (next == -ENOENT && make && sys3(NR_mkdirat, dir, name, 0700) == 0) {
			note_made(path, (size_t)(end - path));
			next = sys4(NR_openat, dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
		}
		sys1(NR_close, dir);
		dir = next;
		p = end;
		while (*p == '/')
			p++;
	}
}

/* The runs of an entry's bytes, from at: written into fd (-1: only walked,
 * each checked to lie inside the section and the file); returns their end. */
static const char *runs(const char *at, const char *end, const struct ckpt_session_entry *e, const char *path, long fd)
{
	for (;;) {
		const struct ckpt_session_run *run = (const void *)at;
		if ((size_t)(end - at) < sizeof *run)
			fail("the session section is truncated at the bytes of ", path, 0);
		at += sizeof *run;
		if (!run->len)
			return at;
		uint64_t padded = (run->len + 7) & ~7ull;
		if (padded < run->len || (uint64_t)(end - at) < padded || run->offset > e->size ||
		    run->len > e->size - run->offset)
			fail("the session section is corrupt at the bytes of ", path, 0);
		for (uint64_t done = 0; fd >= 0 && done < run->len;) {
			long r = sys4(NR_pwrite64, fd, at + done, run->len - done, run->offset + done);
			if (r <= 0)
				fail4("cannot put back the bytes of the shared file ", path, ": ", errno_name(r ? r : -28));
			done += (uint64_t)r;
		}
		at += padded;
	}
}

/* Whether the entry's file is gone now (nothing changes). */
static int gone(const char *path)
{
	const char *leaf;
	long dir = open_parent(path, 0, &leaf);
	long fd = dir < 0 ? dir : sys4(NR_openat, dir, leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
	if (dir >= 0)
		sys1(NR_close, dir);
	if (fd >= 0)
		sys1(NR_close, fd);
	return fd == -ENOENT;
}

/* The file's bytes: those of the snapshot, and zeros where it had none. */
static void fill(struct held *h, long fd, int fresh)
{
	long r = sys2(NR_ftruncate, fd, (long)h->e->size);
	if (r == 0 && !fresh && sys4(NR_fallocate, fd, FALLOC_PUNCH_HOLE, 0, (long)h->e->size) < 0) {
		r = sys2(NR_ftruncate, fd, 0);
		if (r == 0)
			r = sys2(NR_ftruncate, fd, (long)h->e->size);
	}
	if (r < 0)
		fail4("cannot put back the shared file ", h->path, ": ", errno_name(r));
	runs(h->runs, h->end, h->e, h->path, fd);
}

/* A file or FIFO that is gone, made again. */
static void make_again(struct held *h)
{
	const char *leaf;
	long dir = open_parent(h->path, 1, &leaf);
	if (dir < 0)
		fail4("cannot make again the directory of the shared file ", h->path, ": ", errno_name(dir));
	uint32_t mode = h->e->mode & 0777;
	long fd = h->e->kind == CKPT_SESSION_FIFO
			  ? sys4(NR_mknodat, dir, leaf, S_IFIFO | mode, 0)
			  : sys4(NR_openat, dir, leaf, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	sys1(NR_close, dir);
	if (fd < 0)
		fail4("cannot make the shared file again: ", h->path, ": ", errno_name(fd));
	note_made(h->path, strlen(h->path));
	if (h->e->kind != CKPT_SESSION_FIFO) {
		fill(h, fd, 1);
		sys1(NR_close, fd);
	}
}

/* absolute, and no empty, "." or ".." component: it names what it says */
static int plain_path(const char *p)
{
	if (*p != '/')
		return 0;
	for (const char *c = p + 1;; c++) {
		const char *e = c;
		while (*e && *e != '/')
			e++;
		if (e == c || (e - c == 1 && c[0] == '.') || (e - c == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (!*e)
			return 1;
		c = e;
	}
}

static void image_session(struct image *im, int check)
{
	struct ckpt_img_section *sec = 0;
	for (uint32_t i = 0; i < im->hdr.nsections; i++)
		if (im->sec[i].type == CKPT_SEC_PLUGIN && streq(im->sec[i].name, CKPT_SESSION_SECTION))
			sec = &im->sec[i];
	if (!sec)
		return;
	const char *at = ckr_load(im->reader, sec);
	if (!at)
		fail(im->reader->msg, 0, 0);
	const char *end = at + sec->size;
	while (at < end) {
		const struct ckpt_session_entry *e = (const void *)at;
		if ((size_t)(end - at) < sizeof *e)
			fail("the session section is corrupt (an entry is cut short)", 0, 0);
		uint64_t plen = e->path_len, padded = (plen + 7) & ~7ull;
		if ((uint64_t)(end - at - sizeof *e) < padded || !plen || plen > CKPT_SESSION_PATH_MAX ||
		    at[sizeof *e + plen - 1] || !plain_path(at + sizeof *e) || e->kind < CKPT_SESSION_MAPPED ||
		    e->kind > CKPT_SESSION_FIFO || e->size > CKPT_SESSION_MAPPED_MAX)
			fail("the session section is corrupt", 0, 0);
		const char *saved = at + sizeof *e;
		const char *bytes = saved + padded;
		at = e->kind == CKPT_SESSION_FIFO ? bytes : runs(bytes, end, e, saved, -1);
		const char *path = world_path(saved, 0);
		struct held *h = find(path);
		/* another process saved it at the same instant: once is enough,
		 * but a mapping's bytes are put back even where the file is there */
		if (h && !(e->kind == CKPT_SESSION_MAPPED && h->e->kind != CKPT_SESSION_MAPPED))
			continue;
		if (!h && nheld == cap)
			fail("too many session files", 0, 0);
		if (!h) {
			h = &held[nheld++];
			h->path = path;
			h->state = gone(path) ? GONE : THERE;
		}
		h->e = e;
		h->runs = bytes;
		h->end = at;
		if (h->state == GONE && !check) {
			make_again(h);
			h->state = THERE; /* with the snapshot's bytes */
		} else if (h->state == THERE && e->kind == CKPT_SESSION_MAPPED) {
			h->state = REWRITE;
		}
	}
}

void session_put_back(struct image *ims, uint32_t n, int check)
{
	cap = (uint32_t)n * CKPT_SESSION_ENTRIES_MAX;
	held = arena_alloc((cap + 1) * sizeof *held);
	nheld = 0;
	made_cap = 2 * cap + 64;
	made = arena_alloc(made_cap * sizeof *made);
	nmade = 0;
	for (uint32_t k = 0; k < n; k++) {
		image_enter(&ims[k]);
		image_session(&ims[k], check);
	}
}

/* Whether the restart made path again (a file or folder that was gone). */
int session_made_again(const char *path)
{
	for (uint32_t i = 0; i < nmade; i++)
		if (streq(made[i], path))
			return 1;
	return 0;
}

int session_file(const char *path)
{
	struct held *h = find(path);
	return !h ? 0 : h->state == GONE ? 2 : 1;
}

void session_commit(void)
{
	for (uint32_t i = 0; i < nheld; i++) {
		struct held *h = &held[i];
		if (h->state != REWRITE)
			continue;
		const char *leaf;
		long dir = open_parent(h->path, 0, &leaf);
		long fd = dir < 0 ? dir : sys4(NR_openat, dir, leaf, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
		if (dir >= 0)
			sys1(NR_close, dir);
		if (fd < 0)
			fail4("cannot put back the shared file ", h->path, ": ", errno_name(fd));
		fill(h, fd, 0);
		sys1(NR_close, fd);
	}
	committed = 1;
}

void session_undo(void)
{
	if (committed)
		return;
	committed = 1; /* once, even if undoing fails */
	while (nmade) {
		const char *p = made[--nmade];
		if (sys1(NR_unlink, p) < 0)
			sys1(NR_rmdir, p);
	}
}

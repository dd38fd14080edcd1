/*
 * Tracked folders, restore side (the checkpoint side is
 * lib/plugins/files/tracked.c): a folder's root (TREE record), its folders
 * (DIR) and its files (saved records, put back by file_contents.c). Planned
 * with the other files, before anything changes: a folder that is missing is
 * made (its parent exists or is made first: the records list parents first),
 * and whatever is in the tracked folder now and has no record (a file or
 * folder made after the snapshot) is moved into the snapshot's replaced/
 * folder, whole. Symbolic links and special files are left where they are,
 * and so is the computation's own directory. Each step is undone with the
 * others' if the restart fails before the program runs.
 */
#include "file_contents.h"
#include "../include/ckpt_proc.h"

struct dirrec {
	const char *path;
	uint32_t mode;
	int is_root, make, made;
};

struct extra {
	const char *path;
	char *kept;
	int moved, copied;
};

static struct dirrec *dirs;
static uint32_t ndirs;
static struct extra *extras;
static uint32_t nextras, cap_extras;
/* every record's path, for "has a record": open addressing */
static const char **set;
static uint32_t set_size;
static const char *own;

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

void trees_begin(uint32_t nrecords)
{
	for (set_size = 64; set_size < 2 * nrecords + 2; set_size *= 2)
		;
	set = arena_alloc(set_size * sizeof *set);
	memset(set, 0, set_size * sizeof *set);
	dirs = arena_alloc((nrecords + 1) * sizeof *dirs);
	ndirs = 0;
}

void trees_record(const char *path)
{
	uint32_t h = hash(path) & (set_size - 1);
	for (; set[h]; h = (h + 1) & (set_size - 1))
		if (streq(set[h], path))
			return;
	set[h] = path;
}

static int recorded(const char *path)
{
	for (uint32_t h = hash(path) & (set_size - 1); set[h]; h = (h + 1) & (set_size - 1))
		if (streq(set[h], path))
			return 1;
	return 0;
}

void trees_add(const struct ckpt_file_rec *rec, const char *path)
{
	dirs[ndirs++] = (struct dirrec){ .path = path, .mode = rec->mode, .is_root = rec->how == CKPT_FILE_TREE };
}

int trees_will_make(const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	for (uint32_t i = 0; i < ndirs; i++)
		if (dirs[i].make && strlen(dirs[i].path) == n && !memcmp(dirs[i].path, dir, n))
			return 1;
	return 0;
}

static void add_extra(const char *path)
{
	if (nextras == cap_extras) {
		uint32_t cap = cap_extras ? cap_extras * 2 : 64;
		struct extra *e = arena_alloc(cap * sizeof *e);
		if (nextras)
			memcpy(e, extras, nextras * sizeof *e);
		extras = e;
		cap_extras = cap;
	}
	extras[nextras++] = (struct extra){ .path = path };
}

/* What in the folder at path has no record: files and folders (whole). */
static void find_extras(const char *path, int depth)
{
	if (depth > 64)
		fail("a tracked folder is nested too deep: ", path, 0);
	long fd = sys3(NR_open, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	char *dbuf = arena_alloc(8192);
	for (long n; (n = sys3(NR_getdents64, fd, dbuf, 8192)) > 0;)
		for (long off = 0; off < n;) {
			struct ckpt_procdir_entry *d = (struct ckpt_procdir_entry *)(dbuf + off);
			off += d->d_reclen;
			if (d->d_name[0] == '.' && (!d->d_name[1] || (d->d_name[1] == '.' && !d->d_name[2])))
				continue;
			const char *full = fc_join(path, "/", d->d_name);
			uint64_t st[18];
			if (streq(full, own) || sys2(NR_lstat, full, st) < 0)
				continue;
			uint32_t type = fc_mode(st) & S_IFMT;
			if (type != S_IFREG && type != S_IFDIR)
				continue; /* links and special files stay */
			if (!recorded(full))
				add_extra(full);
			else if (type == S_IFDIR)
				find_extras(full, depth + 1);
		}
	sys1(NR_close, fd);
}

void trees_plan(const char *own_dir)
{
	own = own_dir;
	for (uint32_t i = 0; i < ndirs; i++) {
		struct dirrec *d = &dirs[i];
		uint64_t st[18];
		long r = sys2(NR_lstat, d->path, st);
		if (r == -ENOENT) {
			const char *parent = fc_dir_of(d->path);
			uint64_t pst[18];
			int there = sys2(NR_stat, parent, pst) == 0 && (fc_mode(pst) & S_IFMT) == S_IFDIR;
			if (!there && (d->is_root || !trees_will_make(parent)))
				fail("cannot make the tracked folder ", d->path, " again: the folder it was in is gone");
			d->make = 1;
		} else if (r < 0) {
			fail4("cannot read the tracked folder ", d->path, ": ", errno_name(r));
		} else if ((fc_mode(st) & S_IFMT) != S_IFDIR) {
			fail("cannot make the folder ", d->path,
			     " again: a file is where it was in the tracked folder (move it away and restart again)");
		}
	}
	for (uint32_t i = 0; i < ndirs; i++)
		if (dirs[i].is_root && !dirs[i].make)
			find_extras(dirs[i].path, 0);
}

long trees_make(const char **failed)
{
	for (uint32_t i = 0; i < ndirs; i++) {
		struct dirrec *d = &dirs[i];
		if (!d->make || d->made)
			continue;
		long r = sys2(NR_mkdir, d->path, d->mode & 07777);
		if (r < 0)
			return *failed = d->path, r;
		d->made = 1;
	}
	return 0;
}

long trees_keep_extras(const char **failed)
{
	for (uint32_t i = 0; i < nextras; i++) {
		struct extra *e = &extras[i];
		long r = 0;
		const char *dir = fc_keep_dir(&r);
		if (!dir)
			return *failed = e->path, r;
		e->kept = fc_kept_name(dir, e->path, 100000 + i);
		r = sys2(NR_rename, e->path, e->kept);
		if (r == -EXDEV) {
			/* a file can be copied across; a folder is refused (EXDEV names why) */
			uint64_t st[18];
			if (sys2(NR_lstat, e->path, st) == 0 && (fc_mode(st) & S_IFMT) == S_IFREG &&
			    (r = fc_copy_file(e->path, e->kept)) == 0) {
				e->copied = 1;
				r = sys1(NR_unlink, e->path);
			}
		}
		if (r < 0) {
			if (e->copied)
				sys1(NR_unlink, e->kept);
			e->kept = 0;
			e->copied = 0;
			return *failed = e->path, r;
		}
		e->moved = 1;
	}
	return 0;
}

void trees_undo(void)
{
	for (uint32_t i = nextras; i-- > 0;) {
		struct extra *e = &extras[i];
		if (!e->moved)
			continue;
		if (e->copied && fc_copy_file(e->kept, e->path) == 0)
			sys1(NR_unlink, e->kept);
		else if (!e->copied)
			sys2(NR_rename, e->kept, e->path);
		e->moved = 0;
	}
	for (uint32_t i = ndirs; i-- > 0;)
		if (dirs[i].made) {
			sys1(NR_rmdir, dirs[i].path);
			dirs[i].made = 0;
		}
}

void trees_notes(void)
{
	for (uint32_t i = 0; i < nextras; i++)
		if (extras[i].moved)
			notes_removed(extras[i].path, extras[i].kept);
}

/*
 * Tracked folders (`ckpt launch --track DIR`): every regular file and folder
 * under each folder the order names ("track":["/abs/dir",...]) is noted for
 * the FILES section (contents.c), the files to be saved whatever the program
 * has open, the folders as DIR records and each root as a TREE record, so
 * that a restart makes the folder what it was (restore/file_contents.c).
 * Symbolic links and special files in a tracked folder are left as they are.
 * The coordinator puts "track" in the order of one process of the computation.
 */
#include "contents.h"
#include "../../../include/ckpt_files.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define DEPTH_MAX 64

struct linux_dirent64_ {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* Notes the entry `name` of the open folder dirfd, whose path is path[0..len). */
static int note_entry(int dirfd, char *path, size_t len, const char *name, int *is_dir)
{
	struct stat st;
	*is_dir = 0;
	if (SYS4(SYS_newfstatat, dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0; /* gone meanwhile */
	size_t nl = ckpt_strlen(name);
	if (len + 1 + nl >= 4096)
		return ckpt_fail("a path in a tracked folder is too long: %s/%s", path, name);
	path[len] = '/';
	__builtin_memcpy(path + len + 1, name, nl + 1);
	int rc = 0;
	if (S_ISDIR(st.st_mode)) {
		*is_dir = 1;
		rc = contents_note(-1, CKPT_FILE_TRACKED, CKPT_FILE_DIR, st.st_mode, st.st_dev, st.st_ino, path);
	} else if (S_ISREG(st.st_mode)) {
		rc = contents_note(-1, CKPT_FILE_TRACKED, 0, st.st_mode, st.st_dev, st.st_ino, path);
	}
	path[len] = 0;
	(void)rc; /* a full table is counted by contents_note, and refused once */
	return 0;
}

/* the walk's buffers: mapped for the walk only, not part of the image */
static char (*buf)[8192];
static char *path;

/* Walks the folder open at fd (path of length len), depth first. */
static int walk(int fd, size_t len, int depth)
{
	if (depth >= DEPTH_MAX)
		return ckpt_fail("a tracked folder is nested too deep: %s", path);
	int rc = 0;
	for (long n; rc == 0 && (n = SYS3(SYS_getdents64, fd, buf[depth], sizeof buf[depth])) > 0;) {
		for (long off = 0; rc == 0 && off < n;) {
			struct linux_dirent64_ *d = (struct linux_dirent64_ *)(buf[depth] + off);
			off += d->reclen;
			if (d->name[0] == '.' && (!d->name[1] || (d->name[1] == '.' && !d->name[2])))
				continue;
			int is_dir;
			rc = note_entry(fd, path, len, d->name, &is_dir);
			if (rc < 0 || !is_dir)
				continue;
			int sub = (int)SYS4(SYS_openat, fd, d->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
			if (sub < 0)
				continue; /* unreadable: what it holds stays as it is at restart */
			size_t nl = ckpt_strlen(d->name);
			path[len] = '/';
			__builtin_memcpy(path + len + 1, d->name, nl + 1);
			rc = walk(sub, len + 1 + nl, depth + 1);
			path[len] = 0;
			SYS1(SYS_close, sub);
		}
	}
	return rc;
}

static int track_one(const char *root)
{
	struct stat st;
	int fd = (int)SYS3(SYS_open, root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0 || SYS2(SYS_fstat, fd, &st) < 0) {
		if (fd >= 0)
			SYS1(SYS_close, fd);
		return ckpt_fail("the tracked folder %s cannot be read (it is gone, or not a folder)", root);
	}
	ckpt_strlcpy(path, root, 4096);
	size_t len = ckpt_strlen(path);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = 0;
	contents_note(-1, CKPT_FILE_TRACKED, CKPT_FILE_TREE, st.st_mode, st.st_dev, st.st_ino, path);
	int rc = walk(fd, len == 1 ? 0 : len, 0);
	SYS1(SYS_close, fd);
	return rc;
}

static int track_all(const char *p)
{
	for (p++; *p && *p != ']';) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p != '"')
			break;
		char root[4096];
		p = contents_json_string(p, root, sizeof root);
		if (!p)
			return ckpt_fail("a tracked folder's path cannot be read from the order");
		if (track_one(root) < 0)
			return -1;
	}
	return 0;
}

int tracked_note_all(void)
{
	const char *p = contents_order_value("track");
	if (!p || *p != '[')
		return 0;
	size_t size = DEPTH_MAX * 8192 + 4096;
	long m = SYS6(SYS_mmap, 0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m < 0 && m > -4096)
		return ckpt_fail("cannot allocate memory to read the tracked folders");
	buf = (char (*)[8192])m;
	path = (char *)m + DEPTH_MAX * 8192;
	int rc = track_all(p);
	SYS2(SYS_munmap, m, size);
	return rc;
}

/*
 * ckpt-inspect IMAGE: prints an image as JSON (native/PROTOCOL.md), after
 * checking it as the restorer does, with the same reader
 * (include/ckpt_reader.h), and checking the checksum of every other section
 * and of the memory contents too. A bad image gets one line naming the problem
 * and status 2.
 * ckpt-inspect --core OUT IMAGE: writes the image as an ELF core file instead
 * (an increment's pages found through its chain of parents).
 * ckpt-inspect --diff A B: what changed from image A to image B (diff.c).
 */
#define _GNU_SOURCE
#include "chain.h"
#include "core.h"
#include "diff.h"
#include "json.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *path;

static void die(const char *msg)
{
	fprintf(stderr, "ckpt-inspect: %s: %s\n", path, msg);
	exit(2);
}

int file_read(void *ctx, void *buf, uint64_t n, uint64_t off)
{
	int fd = ((struct image_file *)ctx)->fd;
	for (uint64_t done = 0; done < n;) {
		uint64_t want = n - done > (1u << 30) ? (1u << 30) : n - done;
		ssize_t r = pread(fd, (char *)buf + done, want, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (uint64_t)r;
	}
	return 0;
}

int file_block(void *ctx, const char *name, void *buf, uint64_t n)
{
	const struct image_file *f = ctx;
	int fd = f->blocks_fd < 0 ? -1 : openat(f->blocks_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return f->blocks_fd < 0 || errno == ENOENT ? -1 : errno == ELOOP ? -2 : -3;
	struct stat st;
	int rc = fstat(fd, &st) < 0 ? -3 : !S_ISREG(st.st_mode) || (uint64_t)st.st_size != n ? -2 : 0;
	struct image_file one = { fd, -1 };
	if (!rc && buf && file_read(&one, buf, n, 0))
		rc = -3;
	close(fd);
	return rc;
}

void image_file_blocks(struct image_file *f, const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int len = slash ? (int)(slash - path + 1) : 0;
	f->blocks_fd = -1;
	if (snprintf(dir, sizeof dir, "%.*s" CKPT_BLOCKS_DIR, len, path) < (int)sizeof dir)
		f->blocks_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

void *file_alloc(void *ctx, uint64_t n)
{
	return malloc(n ? n : 1);
}

/* The sections the reader does not use (plugins' own): their checksums. */
static void check_other_sections(struct ckpt_reader *r)
{
	for (uint32_t i = 0; i < r->hdr.nsections; i++) {
		const struct ckpt_img_section *s = &r->sec[i];
		if (s->type >= CKPT_SEC_PROC && s->type <= CKPT_SEC_LOCKS)
			continue;
		void *data = ckr_load(r, s);
		if (!data)
			die(r->msg);
		free(data);
	}
	if (ckr_verify_memdata(r))
		die(r->msg);
}

/* The pages an increment inherits, read through its chain of parents (each
 * checked as --diff checks them). */
static const struct chain *inherited_chain;

static int read_inherited(uint64_t addr, void *buf, uint64_t n)
{
	return chain_read(inherited_chain, addr, buf, n);
}

/* An increment's core file: its pages through its chain. */
static int core(struct ckpt_reader *r, int fd, const char *out)
{
	static struct chain chain;
	if (r->parent_rec) {
		chain_load(&chain, path);
		chain_check_blocks(&chain);
	}
	struct core_input in = {
		.fd = fd, .proc = r->proc, .threads = r->threads, .nthreads = r->nthreads, .mm = r->mm,
		.regions = r->regions, .runs = r->runs, .strings = r->strings, .reader = r,
		.auxv = r->auxv, .auxv_size = r->auxv_size, .chain = r->parent_rec ? &chain : 0,
	};
	if (write_core(&in, out) < 0) {
		fprintf(stderr, "ckpt-inspect: %s: cannot write the core file %s: %s\n", path, out, strerror(errno));
		return 2;
	}
	printf("{\"core\":");
	json_str(stdout, out);
	printf("}\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *core_out = 0;
	if (argc == 4 && !strcmp(argv[1], "--diff"))
		return diff_main(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "--core")) {
		core_out = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: ckpt-inspect [--core OUT] IMAGE | --diff IMAGE_A IMAGE_B\n");
		return 2;
	}
	path = argv[1];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		die(strerror(errno));
	if (!S_ISREG(st.st_mode))
		die("not an image: not a regular file");
	static struct image_file file;
	file.fd = fd;
	image_file_blocks(&file, path);
	struct ckpt_reader r = { .io = { &file, file_read, file_alloc, file_block } };
	/* its blocks are read, and named if missing, with the memory contents */
	if (ckr_read(&r, (uint64_t)st.st_size))
		die(r.msg);
	check_other_sections(&r);
	if (json_files_check(&r))
		die(r.msg);
	if (core_out)
		return core(&r, fd, core_out);
	static struct chain chain;
	/* an increment's argv is in a parent's pages: read through the chain if
	 * it is all there (a missing parent leaves argv empty, not the JSON) */
	if (r.parent_rec && chain_open(&chain, path) == 0) {
		inherited_chain = &chain;
		json_inherited_read = read_inherited;
	}
	json_image(stdout, &r);
	return fflush(stdout) ? 2 : 0;
}

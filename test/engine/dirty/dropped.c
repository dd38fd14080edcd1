/* A page dropped after the arm (MADV_DONTNEED) reads back as zeros, or as
 * the file's bytes in a private file mapping: it must be reported changed
 * (dropped, or written once read back), never clean with its old content.
 * The kernel would report such a file page clean, so private file mappings
 * are not tracked at all. */
#include "dirty_test.h"
#include <fcntl.h>

static void anonymous(void)
{
	size_t len = 64 * PG;
	unsigned char *m = map_anon(len);
	memset(m, 7, len);
	arm();
	madvise(m + 4 * PG, 4 * PG, MADV_DONTNEED);	 /* dropped, not touched again */
	madvise(m + 20 * PG, 2 * PG, MADV_DONTNEED); /* dropped, then read */
	volatile unsigned char sink = m[20 * PG] + m[21 * PG];
	(void)sink;
	madvise(m + 30 * PG, 1 * PG, MADV_DONTNEED); /* dropped, then written */
	m[30 * PG] = 9;
	struct pages p = scan(m, len);
	for (int i = 0; i < 64; i++) {
		int changed = (i >= 4 && i < 8) || i == 20 || i == 21 || i == 30;
		CHECK(changed ? p.kind[i] == CKPT_DIRTY_DROPPED || p.kind[i] == CKPT_DIRTY_WRITTEN : p.kind[i] == 0,
		      "anonymous page %d: kind %d", i, p.kind[i]);
	}
	CHECK(p.kind[30] == CKPT_DIRTY_WRITTEN, "a page written after it was dropped: kind %d", p.kind[30]);
	/* reported once: the scan protected them again */
	p = scan(m, len);
	CHECK(p.runs == 0, "%ld runs on the second scan", p.runs);
	madvise(m + 4 * PG, PG, MADV_DONTNEED); /* dropped twice */
	p = scan(m, len);
	CHECK(count(&p, CKPT_DIRTY_DROPPED) + count(&p, CKPT_DIRTY_WRITTEN) == 1 && p.kind[4], "dropped twice");
	ok("anonymous dropped pages");
}

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

/* MADV_FREE lets the kernel discard a page at its leisure; MADV_PAGEOUT makes
 * it do so now. The page then reads as zeros: reported dropped. */
static void freed(void)
{
	size_t len = 16 * PG;
	unsigned char *m = map_anon(len);
	memset(m, 7, len);
	arm();
	CHECK(madvise(m + 2 * PG, 2 * PG, MADV_FREE) == 0, "MADV_FREE");
	CHECK(madvise(m + 2 * PG, 2 * PG, MADV_PAGEOUT) == 0, "MADV_PAGEOUT");
	struct pages p = scan(m, len);
	for (int i = 0; i < 16; i++)
		CHECK(p.kind[i] == (i == 2 || i == 3 ? CKPT_DIRTY_DROPPED : 0), "freed page %d: kind %d", i, p.kind[i]);
	CHECK(m[2 * PG] == 0 && m[4 * PG] == 7, "the discarded page reads as zeros");
	ok("freed pages discarded");
}

static void private_file(void)
{
	char path[] = "/tmp/ckpt-dirty-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	unlink(path);
	unsigned char buf[16 * PG];
	memset(buf, 'f', sizeof buf);
	CHECK(write(fd, buf, sizeof buf) == (ssize_t)sizeof buf, "write");
	unsigned char *m = mmap(0, sizeof buf, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED, "mmap of the file");
	m[PG] = 'x';		      /* a copy of the process's own, before the arm */
	volatile unsigned char r = m[2 * PG]; /* the file's page, mapped */
	(void)r;
	arm();
	madvise(m + PG, PG, MADV_DONTNEED); /* the copy is gone: the file shows through */
	CHECK(m[PG] == 'f', "the file's byte after MADV_DONTNEED: %c", m[PG]);
	m[3 * PG] = 'y';
	struct pages p = scan(m, sizeof buf);
	for (int i = 0; i < 16; i++)
		CHECK(p.kind[i] == CKPT_DIRTY_UNTRACKED, "private file page %d: kind %d, not untracked", i, p.kind[i]);
	ok("private file mapping dropped pages");
}

int main(void)
{
	anonymous();
	freed();
	private_file();
	return 0;
}

/*
 * The shape of memory, beyond its contents: the program break moved by sbrk,
 * a PROT_NONE guard page between two writable ones, a read-only page, a
 * private file mapping with one copied-on-write page, a shared file mapping
 * that must stay shared with its file, a shared anonymous region, and a large
 * sparse reservation with a few touched pages. After the restart each must
 * have its contents, its protection and its behaviour.
 */
#include "scenario.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>

#define PG 4096UL
#define SPARSE (1UL << 30)

static sigjmp_buf segv_jump;
static volatile sig_atomic_t segv_count;

static void on_segv(int sig)
{
	(void)sig;
	segv_count++;
	siglongjmp(segv_jump, 1);
}

/* Permissions of the mapping that holds addr, from /proc/self/maps. */
static void perms_of(const void *addr, char out[5])
{
	FILE *f = fopen("/proc/self/maps", "r");
	CHECK(f != NULL, "open /proc/self/maps");
	char line[512];
	strcpy(out, "????");
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char p[5];
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, p) == 3 &&
		    (uintptr_t)addr >= lo && (uintptr_t)addr < hi) {
			memcpy(out, p, 5);
			break;
		}
	}
	fclose(f);
}

static int write_faults(volatile char *p)
{
	int before = segv_count;
	if (sigsetjmp(segv_jump, 1) == 0)
		*p = 1;
	return segv_count > before;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	struct sigaction sa = { 0 };
	sa.sa_handler = on_segv;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);

	/* The program break. */
	char *brk0 = sbrk(0);
	char *grown = sbrk(1 << 20);
	CHECK(grown != (void *)-1, "sbrk");
	for (int i = 0; i < 1 << 20; i++)
		grown[i] = (char)(i * 13);

	/* Guard page between two writable pages, and a read-only page. */
	char *guard = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(guard != MAP_FAILED, "mmap guard");
	memset(guard, 'g', 4 * PG);
	CHECK(mprotect(guard + PG, PG, PROT_NONE) == 0, "mprotect none");
	CHECK(mprotect(guard + 3 * PG, PG, PROT_READ) == 0, "mprotect read");

	/* A file mapped privately (one page modified) and shared. */
	char fpath[4096];
	snprintf(fpath, sizeof fpath, "%s/mapped.dat", scen_workdir);
	int fd = open(fpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0, "create mapped.dat");
	char page[PG];
	for (int i = 0; i < 4; i++) {
		memset(page, 'A' + i, PG);
		CHECK(write(fd, page, PG) == (ssize_t)PG, "fill mapped.dat");
	}
	char *priv = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *shared = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(priv != MAP_FAILED && shared != MAP_FAILED, "mmap file");
	memset(priv + PG, 'p', PG); /* private copy; the file keeps 'B' */
	memcpy(shared + 2 * PG, "shared-before", 13);
	CHECK(msync(shared, 4 * PG, MS_SYNC) == 0, "msync");

	/* Shared anonymous memory and a sparse reservation. */
	char *shanon = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shanon != MAP_FAILED, "mmap shared anon");
	for (unsigned long i = 0; i < 8 * PG; i++)
		shanon[i] = (char)(i * 7 + 1);
	char *sparse = mmap(NULL, SPARSE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(sparse != MAP_FAILED, "mmap sparse");
	sparse[0] = 1;
	sparse[SPARSE / 2] = 2;
	sparse[SPARSE - 1] = 3;

	CHECK(write_faults(guard + PG), "guard page writable before the checkpoint");

	scen_ready();
	/* After the first output: stdio has allocated its buffer by now. */
	char *brk1 = sbrk(0);
	scen_wait_go();

	CHECK(sbrk(0) == brk1, "program break %p, was %p (start %p)", sbrk(0), (void *)brk1, (void *)brk0);
	for (int i = 0; i < 1 << 20; i++)
		CHECK(grown[i] == (char)(i * 13), "break area byte %d", i);
	char *more = sbrk(64 << 10);
	CHECK(more == brk1, "sbrk after restart returned %p, want %p", (void *)more, (void *)brk1);
	memset(more, 'm', 64 << 10);

	char p[5];
	perms_of(guard, p);
	CHECK(!strcmp(p, "rw-p"), "first page %s, want rw-p", p);
	perms_of(guard + PG, p);
	CHECK(!strcmp(p, "---p"), "guard page %s, want ---p", p);
	perms_of(guard + 3 * PG, p);
	CHECK(!strcmp(p, "r--p"), "read-only page %s, want r--p", p);
	CHECK(write_faults(guard + PG), "guard page became writable");
	CHECK(write_faults(guard + 3 * PG), "read-only page became writable");
	CHECK(guard[0] == 'g' && guard[2 * PG] == 'g' && guard[3 * PG] == 'g', "guard neighbours lost");

	/* Page 1 is the private copy; the others still show the file as it is now. */
	for (int i = 0; i < 4; i++) {
		char filepage[PG];
		CHECK(pread(fd, filepage, PG, i * PG) == (ssize_t)PG, "pread page %d", i);
		if (i == 1) {
			memset(filepage, 'p', PG);
			CHECK(!memcmp(priv + i * PG, filepage, PG), "private copy of page 1 lost");
		} else {
			CHECK(!memcmp(priv + i * PG, filepage, PG), "private mapping page %d differs from the file", i);
		}
	}
	perms_of(priv, p);
	CHECK(!strcmp(p, "rw-p"), "private file mapping %s, want rw-p", p);
	perms_of(shared, p);
	CHECK(!strcmp(p, "rw-s"), "shared file mapping %s, want rw-s", p);
	CHECK(!memcmp(shared + 2 * PG, "shared-before", 13), "shared mapping lost its data");
	/* Still shared with the file, both ways. */
	memcpy(shared + 3 * PG, "shared-after", 12);
	CHECK(msync(shared, 4 * PG, MS_SYNC) == 0, "msync after restart");
	char buf[16];
	CHECK(pread(fd, buf, 12, 3 * PG) == 12 && !memcmp(buf, "shared-after", 12),
	      "a write through the shared mapping did not reach the file");
	CHECK(pwrite(fd, "via-fd", 6, 100) == 6, "pwrite");
	CHECK(!memcmp(shared + 100, "via-fd", 6), "a write to the file is not seen in the shared mapping");
	CHECK(pread(fd, buf, 1, PG) == 1 && buf[0] == 'B', "the private page leaked into the file");

	for (unsigned long i = 0; i < 8 * PG; i++)
		CHECK(shanon[i] == (char)(i * 7 + 1), "shared anonymous byte %lu", i);
	perms_of(shanon, p);
	CHECK(!strcmp(p, "rw-s"), "shared anonymous mapping %s, want rw-s", p);

	CHECK(sparse[0] == 1 && sparse[SPARSE / 2] == 2 && sparse[SPARSE - 1] == 3, "sparse pages lost");
	CHECK(sparse[PG * 3] == 0 && sparse[SPARSE / 4] == 0, "untouched sparse pages not zero");
	sparse[SPARSE / 4] = 9; /* still writable */
	scen_pass();
}

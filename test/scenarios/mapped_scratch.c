/*
 * A scratch file mapped shared and written, deleted at exit (a JVM's
 * hsperfdata file): WORKDIR/scratch.<pid> is made, sized, mapped and closed;
 * the program counts in it through memory. After a restart the mapping and
 * the file are one again (a write through memory shows in the file), and the
 * file is deleted at exit, so that each restart needs the file the snapshot
 * holds.
 */
#include "scenario.h"
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>

#define SIZE (64 << 10)

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/scratch.%d", scen_workdir, (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0 && ftruncate(fd, SIZE) == 0, "make %s", path);
	volatile uint64_t *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "mmap");
	close(fd);
	memcpy((char *)p + 4096, "hsperfdata", 10);
	uint64_t n = 0;
	for (; !scen_go(); n++) {
		p[0] = n;
		p[SIZE / 8 - 1] = ~n;
		if (n == 20)
			scen_ready();
		scen_sleep_us(2000);
	}
	p[0] = n;
	p[SIZE / 8 - 1] = ~n;
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "the scratch file %s is gone", path);
	uint64_t first = 0, last = 0;
	char mark[11] = "";
	EXPECT(pread(fd, &first, 8, 0) == 8 && first == n, "the file's counter is %lu, memory's %lu", (unsigned long)first,
	       (unsigned long)n);
	EXPECT(pread(fd, &last, 8, SIZE - 8) == 8 && last == ~n, "the file's last word is not memory's");
	EXPECT(pread(fd, mark, 10, 4096) == 10 && !strcmp(mark, "hsperfdata"), "the file's mark reads \"%s\"", mark);
	close(fd);
	CHECK(unlink(path) == 0, "delete the scratch file");
	scen_finish();
	return 0;
}

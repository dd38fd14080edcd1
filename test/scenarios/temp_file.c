/*
 * A temporary file created before one snapshot and deleted before the next:
 * WORKDIR/tmp is made and written (phase 1, ready); when the driver makes
 * WORKDIR/next, more is written and the file is deleted while still open
 * (phase 2, "deleted"). Restarted from phase 1, the file is there by its name
 * with its phase-1 bytes; from phase 2, it has no name and all its bytes.
 */
#include "scenario.h"
#include <fcntl.h>
#include <limits.h>

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	char path[PATH_MAX], next[PATH_MAX];
	snprintf(path, sizeof path, "%s/tmp", scen_workdir);
	snprintf(next, sizeof next, "%s/next", scen_workdir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, "phase one\n", 10) == 10, "make %s", path);
	int phase = 1;
	scen_ready();
	while (!scen_go()) {
		if (phase == 1 && access(next, F_OK) == 0) {
			CHECK(write(fd, "phase two\n", 10) == 10 && unlink(path) == 0, "phase two");
			phase = 2;
			puts("deleted");
		}
		scen_sleep_us(2000);
	}
	char buf[32] = "";
	off_t end = lseek(fd, 0, SEEK_CUR);
	EXPECT(end == phase * 10, "phase %d: offset %ld", phase, (long)end);
	EXPECT(pread(fd, buf, sizeof buf, 0) == phase * 10 && !memcmp(buf, "phase one\nphase two\n", (size_t)phase * 10),
	       "phase %d: the file holds \"%s\"", phase, buf);
	int named = access(path, F_OK) == 0;
	EXPECT(named == (phase == 1), "phase %d: the file %s by its name", phase, named ? "exists" : "does not exist");
	if (phase == 1) /* as the program would have gone on */
		unlink(path);
	scen_finish();
	return 0;
}

/*
 * A file the program only reads: WORKDIR/input, read in part before ready.
 * After the restart it reads the rest from where it was, as the file is now
 * (the driver changes it behind the program's back, the restart says so).
 * It also writes WORKDIR/output, which goes back with the snapshot.
 */
#include "scenario.h"
#include <fcntl.h>
#include <limits.h>

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/input", scen_workdir);
	int fd = open(path, O_RDONLY);
	char buf[64] = "";
	CHECK(fd >= 0 && read(fd, buf, 6) == 6 && !memcmp(buf, "first\n", 6), "read %s", path);
	char out[PATH_MAX];
	snprintf(out, sizeof out, "%s/output", scen_workdir);
	int w = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(w >= 0 && write(w, "out\n", 4) == 4, "write %s", out);
	scen_ready();
	scen_wait_go();
	memset(buf, 0, sizeof buf);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	EXPECT(n > 0 && !strncmp(buf, "second\n", 7), "the rest of the input reads \"%s\"", buf);
	scen_finish();
	return 0;
}

/*
 * An append-only log: line N is "line N", written with O_APPEND every few
 * milliseconds. The log must hold exactly the lines the program wrote: after
 * a restart of an earlier snapshot, none from a later run (the file went back
 * with the snapshot) and none missing.
 */
#include "scenario.h"
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/log", scen_workdir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0640);
	CHECK(fd >= 0, "open log");
	long n = 0;
	for (; !scen_go(); n++) {
		char line[32];
		int len = snprintf(line, sizeof line, "line %ld\n", n);
		CHECK(write(fd, line, (size_t)len) == len, "write line %ld", n);
		if (n == 20)
			scen_ready();
		scen_sleep_us(2000);
	}
	/* the file as the program wrote it, and nothing else */
	FILE *f = fopen(path, "r");
	CHECK(f != NULL, "reopen log");
	char line[64];
	long expect = 0;
	while (fgets(line, sizeof line, f)) {
		long got = -1;
		EXPECT(sscanf(line, "line %ld", &got) == 1 && got == expect, "line %ld of the log reads \"%.20s\"", expect, line);
		if (got != expect)
			break;
		expect++;
	}
	EXPECT(expect == n, "the log has %ld lines, the program wrote %ld", expect, n);
	EXPECT(lseek(fd, 0, SEEK_CUR) == lseek(fd, 0, SEEK_END), "the offset is not at the end of the log");
	struct stat st;
	EXPECT(fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0640, "mode %o", st.st_mode & 07777);
	scen_finish();
	return 0;
}

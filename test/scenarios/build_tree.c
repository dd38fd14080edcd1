/*
 * A build in a tracked folder (WORKDIR/out, `ckpt launch --track`): targets
 * 0-9 are built one after the other, each only if it is missing ("built N",
 * else "up to date N"), each closed once written; target 5 is a folder with a
 * file in it, and building target 7 also relinks target 0 (appends to it).
 * Ready after target 3. Restarted from that moment, the targets built later
 * must be missing again and target 0 as it was, so that every restart of the
 * one snapshot builds the same targets and prints the same lines.
 */
#include "scenario.h"
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

static char out[PATH_MAX];

static int write_file(const char *path, const char *text, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);
	if (fd < 0)
		return -1;
	int ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	return close(fd) == 0 && ok ? 0 : -1;
}

static void build(int i)
{
	char path[PATH_MAX + 32], text[64];
	snprintf(path, sizeof path, i == 5 ? "%s/target%d" : "%s/target%d.o", out, i);
	if (access(path, F_OK) == 0) {
		printf("up to date %d\n", i);
		return;
	}
	snprintf(text, sizeof text, "object %d\n", i);
	if (i == 5) {
		CHECK(mkdir(path, 0755) == 0, "mkdir %s", path);
		strcat(path, "/inner.o");
	}
	CHECK(write_file(path, text, O_TRUNC) == 0, "write %s", path);
	if (i == 7) {
		snprintf(path, sizeof path, "%s/target0.o", out);
		CHECK(write_file(path, "relinked\n", O_APPEND) == 0, "relink target 0");
	}
	printf("built %d\n", i);
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	snprintf(out, sizeof out, "%s/out", scen_workdir);
	for (int i = 0; i < 10; i++) {
		build(i);
		if (i == 3) {
			scen_ready();
			scen_wait_go();
		}
	}
	char path[PATH_MAX + 32], text[64] = "";
	snprintf(path, sizeof path, "%s/target0.o", out);
	int fd = open(path, O_RDONLY);
	EXPECT(fd >= 0 && read(fd, text, sizeof text - 1) > 0 && !strcmp(text, "object 0\nrelinked\n"),
	       "target 0 reads \"%s\"", text);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof path, "%s/target5/inner.o", out);
	EXPECT(access(path, F_OK) == 0, "target 5 has no inner.o");
	scen_finish();
	return 0;
}

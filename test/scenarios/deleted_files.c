/*
 * Open files with no name left: tmpfile() (read and write), a file opened
 * read-only and then unlinked (a shell's here-document), and an O_TMPFILE
 * file. After the restart each has its bytes and offset, and stays writable
 * or read-only as it was.
 */
#include "scenario.h"
#include <fcntl.h>
#include <limits.h>

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	FILE *t = tmpfile();
	CHECK(t != NULL, "tmpfile");
	fputs("first line\nsecond line\n", t);
	fflush(t);
	rewind(t);
	char line[64];
	CHECK(fgets(line, sizeof line, t) && !strcmp(line, "first line\n"), "tmpfile read");

	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/heredoc", scen_workdir);
	int w = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(w >= 0 && write(w, "0123456789", 10) == 10, "write heredoc");
	close(w);
	int r = open(path, O_RDONLY);
	CHECK(r >= 0 && unlink(path) == 0, "open and unlink");
	char buf[16] = "";
	CHECK(read(r, buf, 4) == 4, "read heredoc");

	int o = open(scen_workdir, O_TMPFILE | O_RDWR, 0600);
	CHECK(o >= 0 && write(o, "tmpfile-data", 12) == 12, "O_TMPFILE");

	scen_ready();
	scen_wait_go();

	EXPECT(fgets(line, sizeof line, t) && !strcmp(line, "second line\n"), "tmpfile: next line \"%s\"", line);
	EXPECT(fputs("third line\n", t) >= 0 && fflush(t) == 0, "tmpfile is not writable");
	memset(buf, 0, sizeof buf);
	EXPECT(read(r, buf, sizeof buf) == 6 && !strcmp(buf, "456789"), "heredoc: rest \"%s\"", buf);
	EXPECT(write(r, "x", 1) == -1 && errno == EBADF, "the read-only file became writable");
	EXPECT(lseek(o, 0, SEEK_CUR) == 12, "O_TMPFILE offset %ld", (long)lseek(o, 0, SEEK_CUR));
	memset(buf, 0, sizeof buf);
	EXPECT(pread(o, buf, 12, 0) == 12 && !memcmp(buf, "tmpfile-data", 12), "O_TMPFILE bytes \"%s\"", buf);
	scen_finish();
	return 0;
}

/*
 * inotify watches across a restart: an instance (non-blocking) watching a
 * directory, a file added by a relative path, and a file watched after one
 * whose watch was removed (a gap in the descriptors). After the restart the
 * instance is at the same fd with the same flags, and new changes arrive
 * with the descriptors the program was given.
 */
#include "scenario.h"
#include <fcntl.h>
#include <limits.h>
#include <sys/inotify.h>

static void touch(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write %s", path);
	close(fd);
}

/* the descriptors of the events waiting now, in order, as "wd:mask-bit;" */
static void events(int fd, char *out, size_t n)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	out[0] = 0;
	for (int tries = 0; tries < 100; tries++) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r <= 0) {
			if (out[0])
				return;
			scen_sleep_us(10000);
			continue;
		}
		for (char *p = buf; p < buf + r;) {
			struct inotify_event *e = (struct inotify_event *)p;
			size_t len = strlen(out);
			snprintf(out + len, n - len, "%d:%s;", e->wd,
				 e->mask & IN_CREATE ? "create" : e->mask & IN_MODIFY ? "modify" : "other");
			p += sizeof *e + e->len;
		}
	}
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	char dir[PATH_MAX], a[PATH_MAX + 8], b[PATH_MAX + 8], c[PATH_MAX + 8], d[PATH_MAX + 8];
	snprintf(dir, sizeof dir, "%s/watched", scen_workdir);
	CHECK(mkdir(dir, 0755) == 0 || errno == EEXIST, "mkdir");
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);
	snprintf(c, sizeof c, "%s/c", dir);
	snprintf(d, sizeof d, "%s/d", dir);
	touch(a, "");
	touch(b, "");
	touch(c, "");
	int in = inotify_init1(IN_NONBLOCK);
	CHECK(in >= 0, "inotify_init1");
	int wdir = inotify_add_watch(in, dir, IN_CREATE);
	CHECK(chdir(dir) == 0, "chdir");
	int wa = inotify_add_watch(in, "a", IN_MODIFY); /* relative */
	int wb = inotify_add_watch(in, b, IN_MODIFY);
	CHECK(inotify_rm_watch(in, wb) == 0, "inotify_rm_watch");
	int wc = inotify_add_watch(in, c, IN_MODIFY);
	CHECK(chdir(scen_workdir) == 0, "chdir back");
	CHECK(wdir > 0 && wa > 0 && wc > wb + 0 && wb > wa, "descriptors %d %d %d %d", wdir, wa, wb, wc);
	char got[512];
	events(in, got, sizeof got); /* the IN_IGNORED of b's removal */

	scen_ready();
	scen_wait_go();

	EXPECT(fcntl(in, F_GETFL) & O_NONBLOCK, "the instance lost O_NONBLOCK");
	touch(d, "new");
	touch(a, "x");
	touch(c, "y");
	touch(b, "z"); /* not watched any more */
	events(in, got, sizeof got);
	char want[256];
	snprintf(want, sizeof want, "%d:create;%d:modify;%d:modify;", wdir, wa, wc);
	EXPECT(strcmp(got, want) == 0, "events \"%s\", want \"%s\"", got, want);
	scen_finish();
	return 0;
}

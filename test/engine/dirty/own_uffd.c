/* A program that uses userfaultfd itself: the engine steps aside (mode
 * "hash", saying why) and the program's own registration of memory the
 * engine had tracked succeeds. Two ways to be found out: at the next arm (a
 * userfaultfd made without the wrappers seeing it), and through the wrappers
 * (which call ckpt_dirty_step_aside, as here in a child). */
#include "dirty_test.h"
#include "own_uffd.h"
#include <sys/wait.h>

static void told_by_wrapper(unsigned char *m, size_t len)
{
	arm();
	ckpt_dirty_step_aside("the program uses userfaultfd");
	CHECK(!strcmp(ckpt_dirty_mode(), "hash"), "mode %s after stepping aside", ckpt_dirty_mode());
	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | CKPT_UFFD_USER_MODE_ONLY);
	CHECK(uffd >= 0, "userfaultfd");
	const char *err = own_tracking(m, len, uffd);
	CHECK(!err, "%s", err);
	CHECK(ckpt_dirty_arm() < 0, "arm while the program uses userfaultfd");
	struct pages p = scan(m, len);
	CHECK(count(&p, CKPT_DIRTY_UNTRACKED) == len / PG, "scan while the program uses userfaultfd");
	ok("stepped aside when told by the wrappers");
}

int main(void)
{
	size_t len = 16 * PG;
	unsigned char *m = map_anon(len);
	memset(m, 1, len);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		told_by_wrapper(m, len);
		exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child failed");

	arm();
	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | CKPT_UFFD_USER_MODE_ONLY);
	CHECK(uffd >= 0, "userfaultfd");
	CHECK(ckpt_dirty_arm() < 0, "the next arm went on beside the program's userfaultfd");
	CHECK(!strcmp(ckpt_dirty_mode(), "hash"), "mode %s", ckpt_dirty_mode());
	char want[64];
	snprintf(want, sizeof want, "the program uses userfaultfd itself (fd %d)", uffd);
	CHECK(ckpt_dirty_why() && !strcmp(ckpt_dirty_why(), want), "why: %s", ckpt_dirty_why());
	const char *err = own_tracking(m, len, uffd);
	CHECK(!err, "%s", err);
	ok("stepped aside at the next arm");
	return 0;
}

/*
 * Per-process and per-thread kernel state besides memory: the working
 * directory (with a relative open), the umask, resource limits, the
 * execution domain (personality), and the names of two threads. After the
 * restart each must be as it was.
 */
#include "scenario.h"
#include <signal.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

static volatile int t_ready, t_go, t_done;
static char t_name[32];

static void *worker(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "scn-worker");
	t_ready = 1;
	while (!t_go)
		scen_sleep_us(1000);
	prctl(PR_GET_NAME, t_name);
	t_done = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	char dir[2048], cwd[2048];
	snprintf(dir, sizeof dir, "%s/cwd dir", scen_workdir);
	CHECK(mkdir(dir, 0700) == 0, "mkdir");
	CHECK(chdir(dir) == 0, "chdir");
	CHECK(getcwd(cwd, sizeof cwd) != NULL, "getcwd");

	umask(027);
	struct rlimit nofile = { 200, 0 }, core = { 0, 0 }, cur;
	CHECK(getrlimit(RLIMIT_NOFILE, &cur) == 0, "getrlimit");
	nofile.rlim_max = cur.rlim_max;
	CHECK(setrlimit(RLIMIT_NOFILE, &nofile) == 0, "setrlimit NOFILE");
	CHECK(getrlimit(RLIMIT_CORE, &cur) == 0, "getrlimit CORE");
	core.rlim_max = cur.rlim_max;
	CHECK(setrlimit(RLIMIT_CORE, &core) == 0, "setrlimit CORE");
	int pers = personality(0xffffffff);
	CHECK(personality(pers | ADDR_NO_RANDOMIZE) != -1, "personality");
	prctl(PR_SET_NAME, "scn-main");

	pthread_t th;
	CHECK(pthread_create(&th, NULL, worker, NULL) == 0, "create");
	while (!t_ready)
		scen_sleep_us(1000);

	/* the nice value, dumpable and parent-death signal (attrs plugin) */
	CHECK(setpriority(PRIO_PROCESS, 0, 5) == 0, "setpriority");
	CHECK(prctl(PR_SET_DUMPABLE, 0) == 0, "PR_SET_DUMPABLE");
	CHECK(prctl(PR_SET_PDEATHSIG, SIGUSR2) == 0, "PR_SET_PDEATHSIG");
	scen_ready();
	scen_wait_go();

	char now[2048];
	CHECK(getcwd(now, sizeof now) != NULL, "getcwd after restart: %s", strerror(errno));
	EXPECT(!strcmp(now, cwd), "cwd is %.400s, was %.400s", now, cwd);
	errno = 0;
	int nice_now = getpriority(PRIO_PROCESS, 0);
	EXPECT(nice_now == 5, "nice %d, want 5", nice_now);
	EXPECT(prctl(PR_GET_DUMPABLE) == 0, "the process is dumpable again");
	int deathsig = 0;
	EXPECT(prctl(PR_GET_PDEATHSIG, &deathsig) == 0 && deathsig == SIGUSR2, "parent-death signal %d, want %d", deathsig,
	       SIGUSR2);
	int fd = open("relative.txt", O_WRONLY | O_CREAT | O_EXCL, 0666);
	EXPECT(fd >= 0, "relative open: %s", strerror(errno));
	struct stat st = { 0 };
	char full[2100];
	snprintf(full, sizeof full, "%s/relative.txt", dir);
	EXPECT(stat(full, &st) == 0, "the relative open did not create %.900s", full);
	EXPECT((st.st_mode & 0777) == 0640, "new file mode %o, want 640 (umask 027)", st.st_mode & 0777);
	mode_t old = umask(022);
	EXPECT(old == 027, "umask %o, want 027", (unsigned)old);

	EXPECT(getrlimit(RLIMIT_NOFILE, &cur) == 0 && cur.rlim_cur == 200 && cur.rlim_max == nofile.rlim_max,
	      "RLIMIT_NOFILE %llu/%llu, want 200/%llu", (unsigned long long)cur.rlim_cur,
	      (unsigned long long)cur.rlim_max, (unsigned long long)nofile.rlim_max);
	EXPECT(getrlimit(RLIMIT_CORE, &cur) == 0 && cur.rlim_cur == 0, "RLIMIT_CORE soft %llu, want 0",
	      (unsigned long long)cur.rlim_cur);
	int p = personality(0xffffffff);
	EXPECT(p == (pers | ADDR_NO_RANDOMIZE), "personality %#x, want %#x", p, pers | ADDR_NO_RANDOMIZE);

	char name[32] = "";
	prctl(PR_GET_NAME, name);
	EXPECT(!strcmp(name, "scn-main"), "main thread name \"%s\", want scn-main", name);
	t_go = 1;
	CHECK(pthread_join(th, NULL) == 0, "join");
	EXPECT(t_done && !strcmp(t_name, "scn-worker"), "worker thread name \"%s\", want scn-worker", t_name);
	scen_finish();
}

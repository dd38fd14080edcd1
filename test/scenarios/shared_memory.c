/*
 * Memory shared between a parent and its child: an anonymous MAP_SHARED
 * region, a SysV segment and a memfd mapping (its fd closed), each inherited
 * through fork. After the restart, what one process writes the other must
 * see, in all three, and the contents from before the checkpoint are there.
 */
#define _GNU_SOURCE
#include "scenario.h"
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>

#define N 3

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	volatile long *mem[N];
	mem[0] = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(mem[0] != MAP_FAILED, "mmap shared anonymous");
	int id = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);
	CHECK(id >= 0, "shmget: %s", strerror(errno));
	mem[1] = shmat(id, NULL, 0);
	CHECK(mem[1] != (void *)-1, "shmat");
	shmctl(id, IPC_RMID, NULL); /* gone once nobody has it attached */
	int mfd = memfd_create("scenario", 0);
	CHECK(mfd >= 0 && ftruncate(mfd, 8192) == 0, "memfd_create");
	mem[2] = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	CHECK(mem[2] != MAP_FAILED, "mmap memfd");
	close(mfd);
	for (int k = 0; k < N; k++) {
		mem[k][0] = 100 + k;   /* written before the checkpoint */
		mem[k][1000] = 0;      /* the child's counter, on the second page */
		mem[k][2] = 0;         /* the parent's answer */
	}
	fflush(stdout);
	pid_t child = fork();
	CHECK(child >= 0, "fork");
	if (child == 0) {
		scen_wait_go();
		for (int k = 0; k < N; k++)
			mem[k][1000] = 7000 + k;
		/* wait for the parent to answer through each region */
		for (int i = 0; i < 30000; i++) {
			int all = 1;
			for (int k = 0; k < N; k++)
				all &= mem[k][2] == 9000 + k;
			if (all)
				_exit(0);
			scen_sleep_us(1000);
		}
		_exit(3);
	}
	scen_ready();
	scen_wait_go();

	static const char *name[N] = { "anonymous MAP_SHARED", "SysV segment", "memfd mapping" };
	for (int k = 0; k < N; k++)
		EXPECT(mem[k][0] == 100 + k, "%s: %ld from before the checkpoint, want %d", name[k], mem[k][0], 100 + k);
	for (int k = 0; k < N; k++) {
		int i = 0;
		while (mem[k][1000] != 7000 + k && i++ < 10000)
			scen_sleep_us(1000);
		EXPECT(mem[k][1000] == 7000 + k, "%s: the child's write is not seen (%ld)", name[k], mem[k][1000]);
		mem[k][2] = 9000 + k;
	}
	int st = 0;
	EXPECT(waitpid(child, &st, 0) == child, "waitpid");
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child did not see the parent's writes (status %#x)", st);
	scen_finish();
	return 0;
}

/*
 * Sixteen threads that never sit still: they take a contended mutex to move
 * units between shared accounts, allocate and free memory, and make short
 * system calls, so checkpoints land in every kind of spot (inside malloc,
 * inside a futex wait, inside a syscall). The sum of the accounts is fixed;
 * after the last restart the threads stop, are joined, and the sum and the
 * per-thread counts are checked.
 */
#include "scenario.h"
#include <pthread.h>
#include <sys/syscall.h>

#define NT 16
#define ACCOUNTS 64
#define TOTAL (ACCOUNTS * 1000L)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long accounts[ACCOUNTS];
static unsigned long moves[NT], my_moves_seen[NT];
static volatile int stop, started;

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	unsigned long long seed = 0x9e3779b97f4a7c15ULL * (id + 1);
	unsigned long mine = 0;
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	while (!stop) {
		unsigned long long r = scen_xorshift(&seed);
		int a = (int)(r % ACCOUNTS), b = (int)((r >> 8) % ACCOUNTS);
		pthread_mutex_lock(&lock);
		accounts[a]--;
		accounts[b]++;
		moves[id]++;
		pthread_mutex_unlock(&lock);
		mine++;
		void *p = malloc(16 + (r >> 16) % 8192);
		if (!p)
			scen_fail("malloc failed in thread %d", id);
		memset(p, id, 16);
		free(p);
		if ((r & 63) == 0)
			syscall(SYS_getppid);
		if ((r & 1023) == 0)
			scen_sleep_us(100);
	}
	my_moves_seen[id] = mine;
	return NULL;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	for (int i = 0; i < ACCOUNTS; i++)
		accounts[i] = 1000;
	pthread_t th[NT];
	for (long i = 0; i < NT; i++)
		CHECK(pthread_create(&th[i], NULL, worker, (void *)i) == 0, "create %ld", i);
	while (started < NT)
		scen_sleep_us(1000);
	scen_ready();
	scen_wait_go();
	stop = 1;
	for (int i = 0; i < NT; i++)
		CHECK(pthread_join(th[i], NULL) == 0, "join %d", i);
	long sum = 0;
	for (int i = 0; i < ACCOUNTS; i++)
		sum += accounts[i];
	CHECK(sum == TOTAL, "accounts sum to %ld, want %ld: a move was lost or run twice", sum, TOTAL);
	for (int i = 0; i < NT; i++)
		CHECK(moves[i] == my_moves_seen[i] && moves[i] > 0,
		      "thread %d: %lu moves under the lock, %lu by its own count", i, moves[i], my_moves_seen[i]);
	scen_pass();
}

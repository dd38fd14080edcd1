/*
 * Several generations of checkpoint -> restart -> checkpoint. The program
 * prints `tick N` every 20 ms while two threads keep counting and 32 MiB of
 * heap hold a pattern. The driver checks that the ticks of all generations
 * form one unbroken sequence; after the last restart the program checks its
 * heap and that both threads still run and can be joined.
 */
#include "scenario.h"
#include <pthread.h>

#define HEAP (32UL << 20)

static volatile unsigned long counts[2 * 16];
static volatile int stop;

static void *counter(void *arg)
{
	int i = (int)(long)arg;
	while (!stop) {
		counts[i * 16]++;
		scen_sleep_us(500);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	size_t n = HEAP / 8;
	unsigned long long *heap = malloc(HEAP), seed = 42;
	CHECK(heap != NULL, "malloc");
	for (size_t i = 0; i < n; i++)
		heap[i] = scen_xorshift(&seed);
	pthread_t th[2];
	for (long i = 0; i < 2; i++)
		CHECK(pthread_create(&th[i], NULL, counter, (void *)i) == 0, "create");

	unsigned long tick = 0;
	for (;;) {
		printf("tick %lu\n", ++tick);
		if (tick == 3)
			scen_ready();
		if (tick > 3 && scen_go())
			break;
		scen_sleep_us(20000);
	}
	unsigned long seen[2] = { counts[0], counts[16] };
	for (int w = 0; counts[0] == seen[0] || counts[16] == seen[1]; w++) {
		if (w > 60000)
			scen_fail("threads made no progress after the last restart");
		scen_sleep_us(1000);
	}
	stop = 1;
	for (int i = 0; i < 2; i++)
		CHECK(pthread_join(th[i], NULL) == 0, "join %d", i);
	seed = 42;
	for (size_t i = 0; i < n; i++) {
		unsigned long long want = scen_xorshift(&seed);
		CHECK(heap[i] == want, "heap word %zu is %llx, want %llx", i, heap[i], want);
	}
	scen_pass();
}

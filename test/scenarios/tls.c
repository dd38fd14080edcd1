/*
 * Thread-local variables: each of four threads (main included) keeps its own
 * values in __thread variables, initialized and uninitialized, scalar and
 * array. After the restart each thread checks its values and their addresses.
 */
#include "scenario.h"
#include <pthread.h>

#define NT 4

static __thread long tls_init = 12345;
static __thread long tls_zero;
static __thread char tls_buf[4096];
static __thread double tls_dbl = 2.5;

static volatile int go_all, ready_count, done_count, failed;
static char failure[NT][256];
static long *addr[NT];

static void fill(int id)
{
	tls_init = 1000 + id;
	tls_zero = -id - 1;
	tls_dbl = 0.25 * id + 1.5;
	for (int i = 0; i < (int)sizeof tls_buf; i++)
		tls_buf[i] = (char)(i * 7 + id);
	addr[id] = &tls_init;
}

static void check(int id)
{
	const char *why = NULL;
	if (tls_init != 1000 + id) why = "tls_init";
	else if (tls_zero != -id - 1) why = "tls_zero";
	else if (tls_dbl != 0.25 * id + 1.5) why = "tls_dbl";
	else if (addr[id] != &tls_init) why = "address of tls_init";
	for (int i = 0; !why && i < (int)sizeof tls_buf; i++)
		if (tls_buf[i] != (char)(i * 7 + id)) why = "tls_buf";
	if (why) {
		snprintf(failure[id], sizeof failure[id], "thread %d: %s wrong", id, why);
		failed = 1;
	}
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	fill(id);
	__atomic_add_fetch(&ready_count, 1, __ATOMIC_SEQ_CST);
	while (!go_all)
		scen_sleep_us(1000);
	check(id);
	__atomic_add_fetch(&done_count, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	pthread_t th[NT];
	fill(0);
	for (long i = 1; i < NT; i++)
		CHECK(pthread_create(&th[i], NULL, worker, (void *)i) == 0, "create");
	while (ready_count < NT - 1)
		scen_sleep_us(1000);
	scen_ready();
	scen_wait_go();
	go_all = 1;
	check(0);
	for (int i = 1; i < NT; i++)
		CHECK(pthread_join(th[i], NULL) == 0, "join %d", i);
	CHECK(done_count == NT - 1, "only %d threads checked", done_count);
	for (int i = 0; i < NT; i++)
		CHECK(!failure[i][0], "%s", failure[i]);
	CHECK(!failed, "a thread failed");
	scen_pass();
}

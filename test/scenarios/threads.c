/*
 * Eight threads at checkpoint time: thread 0 holds an error-checking mutex,
 * thread 1 waits on a condition variable, threads 2..7 spin. After the
 * restart: pthread_kill from main to every thread and from one thread to
 * another, the mutex still owned by thread 0 (EPERM for anyone else) and
 * unlocked by thread 0 without EPERM, the waiter woken by a signal on the
 * condition variable, and every thread joined.
 */
#include "scenario.h"
#include <pthread.h>
#include <signal.h>

#define NT 8

static pthread_t th[NT];
static pthread_mutex_t owned;
static pthread_mutex_t cond_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int cond_ready, cond_waiting, cond_woke;

static volatile int holding, release_owned, unlock_rc = -1, unlocked;
static volatile int stop, kick_peer, peer_kill_rc = -1, peer_kicked;
static volatile int started[NT];
static volatile unsigned long spins[NT * 16]; /* one cache line each */
static volatile sig_atomic_t got[NT];
static __thread int self_index = -1;

static void on_usr1(int sig)
{
	(void)sig;
	if (self_index >= 0)
		got[self_index]++;
}

static void *holder(void *arg)
{
	self_index = (int)(long)arg;
	int rc = pthread_mutex_lock(&owned);
	if (rc != 0)
		scen_fail("thread 0: lock: %s", strerror(rc));
	holding = 1;
	started[self_index] = 1;
	while (!release_owned)
		scen_sleep_us(1000);
	unlock_rc = pthread_mutex_unlock(&owned);
	unlocked = 1;
	return NULL;
}

static void *waiter(void *arg)
{
	self_index = (int)(long)arg;
	pthread_mutex_lock(&cond_lock);
	cond_waiting = 1;
	started[self_index] = 1;
	while (!cond_ready)
		pthread_cond_wait(&cond, &cond_lock);
	cond_woke = 1;
	pthread_mutex_unlock(&cond_lock);
	return NULL;
}

static void *spinner(void *arg)
{
	self_index = (int)(long)arg;
	started[self_index] = 1;
	while (!stop) {
		spins[self_index * 16]++;
		if (self_index == 2 && kick_peer && !peer_kicked) {
			peer_kill_rc = pthread_kill(th[3], SIGUSR1);
			peer_kicked = 1;
		}
	}
	return NULL;
}

/* Wait for a condition with a generous bound; the driver has its own timeout. */
#define WAIT_FOR(cond, what)                                                   \
	do {                                                                   \
		int waited_ = 0;                                               \
		while (!(cond)) {                                              \
			if (++waited_ > 60000)                                 \
				scen_fail("gave up waiting for %s", what);     \
			scen_sleep_us(1000);                                   \
		}                                                              \
	} while (0)

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	struct sigaction sa = { 0 };
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);

	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&owned, &ma);

	CHECK(pthread_create(&th[0], NULL, holder, (void *)0L) == 0, "create 0");
	CHECK(pthread_create(&th[1], NULL, waiter, (void *)1L) == 0, "create 1");
	for (long i = 2; i < NT; i++)
		CHECK(pthread_create(&th[i], NULL, spinner, (void *)i) == 0, "create %ld", i);
	for (int i = 0; i < NT; i++)
		WAIT_FOR(started[i], "a thread to start");
	WAIT_FOR(holding, "thread 0 to take the mutex");
	/* Taking cond_lock after the waiter set cond_waiting means it is inside
	 * pthread_cond_wait (which released the lock). */
	pthread_mutex_lock(&cond_lock);
	CHECK(cond_waiting, "waiter not waiting");
	pthread_mutex_unlock(&cond_lock);

	int rc = pthread_mutex_unlock(&owned);
	CHECK(rc == EPERM, "unlock by non-owner before checkpoint gave %d", rc);

	scen_ready();
	scen_wait_go();

	rc = pthread_mutex_trylock(&owned);
	CHECK(rc == EBUSY, "trylock of the held mutex gave %s", strerror(rc));
	rc = pthread_mutex_unlock(&owned);
	CHECK(rc == EPERM, "unlock by non-owner after restart gave %s", strerror(rc));

	unsigned long seen[NT];
	for (int i = 2; i < NT; i++)
		seen[i] = spins[i * 16];

	for (int i = 0; i < NT; i++) {
		rc = pthread_kill(th[i], SIGUSR1);
		CHECK(rc == 0, "pthread_kill(thread %d) gave %s", i, strerror(rc));
	}
	for (int i = 0; i < NT; i++)
		WAIT_FOR(got[i] >= 1, "SIGUSR1 to reach every thread");

	kick_peer = 1;
	WAIT_FOR(peer_kicked, "thread 2 to signal thread 3");
	CHECK(peer_kill_rc == 0, "pthread_kill from thread 2 to 3 gave %s", strerror(peer_kill_rc));
	WAIT_FOR(got[3] >= 2, "the signal from thread 2 to reach thread 3");

	release_owned = 1;
	WAIT_FOR(unlocked, "thread 0 to unlock");
	CHECK(unlock_rc == 0, "owner's unlock gave %s", strerror(unlock_rc));
	rc = pthread_mutex_lock(&owned);
	CHECK(rc == 0, "lock after release gave %s", strerror(rc));
	rc = pthread_mutex_unlock(&owned);
	CHECK(rc == 0, "unlock by new owner gave %s", strerror(rc));

	pthread_mutex_lock(&cond_lock);
	cond_ready = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&cond_lock);
	WAIT_FOR(cond_woke, "the waiter to wake");

	for (int i = 2; i < NT; i++)
		WAIT_FOR(spins[i * 16] > seen[i], "every spinner to make progress");
	stop = 1;
	for (int i = 0; i < NT; i++) {
		rc = pthread_join(th[i], NULL);
		CHECK(rc == 0, "join %d gave %s", i, strerror(rc));
	}
	scen_pass();
}

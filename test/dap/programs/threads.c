/* Several threads that all reach a barrier, so the test sees them all at once. */
#include <pthread.h>
#include <stdio.h>

#define WORKERS 3
static pthread_barrier_t ready;

static void *worker(void *arg) {
  long id = (long)arg;
  pthread_barrier_wait(&ready);
  printf("threads: worker %ld running\n", id);
  return NULL;
}

int main(void) {
  pthread_t tids[WORKERS];
  pthread_barrier_init(&ready, NULL, WORKERS + 1);
  for (long i = 0; i < WORKERS; i++)
    pthread_create(&tids[i], NULL, worker, (void *)i);
  /* Every worker is alive here; they wait for main at the barrier. */
  int alive = WORKERS; // #ALL_STARTED
  pthread_barrier_wait(&ready);
  for (int i = 0; i < WORKERS; i++)
    pthread_join(tids[i], NULL);
  printf("threads: done, %d workers\n", alive);
  return 0;
}

/* Several threads, all inside their worker function when main reaches #ALL_STARTED. */
#include <pthread.h>
#include <stdio.h>

#define WORKERS 3
/* `started`: main passes it only once every worker is running worker();
 * `release`: the workers wait there until main lets them go. */
static pthread_barrier_t started, release;

static void *worker(void *arg) {
  long id = (long)arg;
  pthread_barrier_wait(&started);
  pthread_barrier_wait(&release);
  printf("threads: worker %ld running\n", id); // #WORKER_PRINT
  return NULL;
}

int main(void) {
  pthread_t tids[WORKERS];
  pthread_barrier_init(&started, NULL, WORKERS + 1);
  pthread_barrier_init(&release, NULL, WORKERS + 1);
  for (long i = 0; i < WORKERS; i++)
    pthread_create(&tids[i], NULL, worker, (void *)i);
  pthread_barrier_wait(&started);
  int alive = WORKERS; // #ALL_STARTED
  pthread_barrier_wait(&release);
  for (int i = 0; i < WORKERS; i++)
    pthread_join(tids[i], NULL);
  printf("threads: done, %d workers\n", alive);
  return 0;
}

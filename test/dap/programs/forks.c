/* A parent that forks a child with a thread of its own; both are debugged. */
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int child_pipe[2];

static void *child_thread(void *arg) {
  (void)arg;
  return NULL;
}

static int child_work(int n) {
  pthread_t t;
  pthread_create(&t, NULL, child_thread, NULL);
  pthread_join(t, NULL);
  int doubled = n * 2; // #CHILD
  return doubled;
}

int main(void) {
  if (pipe(child_pipe) != 0) return 2;
  pid_t pid = fork();
  if (pid == 0) {
    int r = child_work(21);
    printf("forks: child result %d\n", r);
    fflush(stdout);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1; // #PARENT_AFTER_WAIT
  printf("forks: parent saw child exit %d\n", code);
  return 0;
}

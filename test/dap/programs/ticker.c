/* Counts forever, one line per round, each line depending on the round's
 * state: for restoring a program started by `ckpt launch` from an attached
 * debugger (the lines go to ckpt launch's stdout). With the argument `fork`
 * a child counts and the parent waits for it: two processes. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long square = 0;
  if (argc > 1 && strcmp(argv[1], "fork") == 0) {
    pid_t child = fork();
    if (child > 0) {
      int status = 0;
      waitpid(child, &status, 0);
      printf("ticker: child ended\n");
      return 0;
    }
  }
  printf("ticker: running\n");
  fflush(stdout);
  for (int i = 1;; i++) {
    square = (long)i * i;
    usleep(10000);
    printf("tick %d square %ld\n", i, square); // #TICK
    fflush(stdout);
  }
  return 0;
}

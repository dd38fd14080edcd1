/* Counts forever, one line per round, each line depending on the round's
 * state: for restoring a program started by `ckpt launch` from an attached
 * debugger (the lines go to ckpt launch's stdout). */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  long square = 0;
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

/* Runs until it is stopped from outside: for pause and terminate. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  unsigned long rounds = 0;
  printf("spin: running\n");
  fflush(stdout);
  for (;;) {
    rounds++; // #SPIN
    usleep(1000);
  }
  return 0;
}

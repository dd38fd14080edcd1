/* The demo program: counts to 50, ten steps a second. Every line depends on
 * all earlier ones (a running sum kept on the heap), so a restart that lost or
 * garbled any state would print different numbers than an uninterrupted run. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
  int steps = argc > 1 ? atoi(argv[1]) : 50;
  unsigned long *sum = malloc(sizeof *sum);
  *sum = 0;
  for (int i = 1; i <= steps; i++) {
    *sum = *sum * 31 + (unsigned long)i * i;
    printf("count %2d  sum %020lu\n", i, *sum);
    fflush(stdout);
    struct timespec pause = { 0, 100 * 1000 * 1000 };
    while (nanosleep(&pause, &pause) != 0) {
      /* interrupted (the checkpoint signal): sleep the rest */
    }
  }
  printf("done\n");
  free(sum);
  return 0;
}

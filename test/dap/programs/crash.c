/* A program that dereferences NULL: the crash the exception widget describes. */
#include <stdio.h>

static int read_through(const int *p) {
  return *p; // #FAULT
}

int main(void) {
  printf("crash: about to fault\n");
  fflush(stdout);
  return read_through(NULL);
}

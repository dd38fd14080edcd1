/* Breakpoint kinds: a loop that calls a function six times, a global it
 * writes, a global the loop only reads, a call one level deeper. */
#include <stdio.h>

int counter;
int limit = 6;

static int record(int value) {
  return value; // #RECORD
}

static int bump(int step) {
  counter += step; // #BUMP
  return record(counter);
}

int main(void) {
  int total = 0; // #START
  for (int i = 1; i <= limit; i++) {
    total = bump(i); // #LOOP
  }
  printf("counter: total=%d counter=%d\n", total, counter); // #END
  return 0;
}

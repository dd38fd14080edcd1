/* Going back: a loop whose rounds each change a global, call a function and
 * print a line (to unbuffered stderr, so that a line printed twice shows). */
#include <stdio.h>

int value;

static int square(int n) {
  return n * n; // #SQUARE
}

int main(void) {
  for (int round = 1; round <= 8; round++) {
    value = square(round); // #LOOP
    fprintf(stderr, "round %d\n", round); // #PRINT
    value += 1; // #AFTER
  }
  printf("travel: value=%d\n", value); // #END
  return 0;
}

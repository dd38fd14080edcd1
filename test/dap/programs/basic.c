/* A small program for the debug adapter tests: structs, arrays, pointers, calls. */
#include <stdio.h>
#include <string.h>

struct point {
  int x;
  int y;
  const char *name;
};

static int square(int v) {
  int result = v * v; // #SQUARE_BODY
  return result;
}

static int sum_squares(int n) {
  int total = 0;
  for (int i = 0; i < n; i++) {
    total += square(i); // #LOOP
  }
  return total; // #SUM_RETURN
}

int main(int argc, char **argv) {
  struct point origin = { 3, 4, "origin" };
  int values[4] = { 10, 20, 30, 40 };
  struct point *where = &origin;
  printf("basic: started with %d args\n", argc - 1); // #BP1
  fflush(stdout);
  int total = sum_squares(5); // #CALL
  where->x = total; // #AFTER_CALL
  printf("basic: total=%d x=%d values[2]=%d\n", total, where->x, values[2]);
  fprintf(stderr, "basic: to stderr\n");
  return (int)strlen(origin.name) - 6; // #END
}

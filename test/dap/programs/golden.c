/* Golden-log program: a stack three calls deep and locals of several shapes. */
#include <stdio.h>

struct point { int x; int y; };

struct shape {
  const char *name;
  struct point corners[3];
  struct point *origin;
  double scale;
  unsigned char flags;
};

static int area(const struct shape *s, int factor) {
  int sum = 0;
  for (int i = 0; i < 3; i++) sum += s->corners[i].x * s->corners[i].y + 1;
  return sum * factor; // #GOLDEN
}

static int measure(struct shape *s) {
  int result = area(s, 2); // #MEASURE_CALL
  return result;
}

int main(void) {
  struct point origin = { 1, 2 };
  struct shape triangle = { "triangle", { { 0, 0 }, { 4, 0 }, { 0, 3 } }, &origin, 1.5, 5 };
  char label[8] = "abc";
  int total = 0;
  total = measure(&triangle); // #MAIN_CALL
  printf("%d %s\n", total, label);
  return 0;
}

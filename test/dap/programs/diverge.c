/* Going back when re-execution diverges: the branch depends on a file read
 * at run time, which the test changes before going back. */
#include <stdio.h>

static int flag(const char *path) {
  FILE *f = fopen(path, "r");
  int v = 0;
  if (f) {
    if (fscanf(f, "%d", &v) != 1) v = 0;
    fclose(f);
  }
  return v;
}

int main(int argc, char **argv) {
  int seen = 0; // #START
  if (argc > 1 && flag(argv[1])) // #TEST
    seen = 1; // #YES
  else
    seen = 2; // #NO
  printf("seen=%d\n", seen); // #END
  return 0;
}

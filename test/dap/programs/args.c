/* Prints its arguments, one variable of its environment and its working directory. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  char cwd[4096];
  for (int i = 1; i < argc; i++) printf("arg[%s]\n", argv[i]);
  const char *v = getenv("CKPT_TEST_VAR");
  printf("env[%s]\n", v ? v : "(unset)");
  printf("cwd[%s]\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
  return 0;
}

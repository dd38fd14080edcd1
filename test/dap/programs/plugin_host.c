/* Loads ./libplugin.so (next to the program) with dlopen and calls into it. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  char path[4096];
  snprintf(path, sizeof path, "%s", argv[0]);
  char *slash = strrchr(path, '/');
  snprintf(slash ? slash + 1 : path, sizeof path - (slash ? (size_t)(slash + 1 - path) : 0), "libplugin.so");
  void *lib = dlopen(path, RTLD_NOW);
  if (!lib) { fprintf(stderr, "plugin_host: %s\n", dlerror()); return 2; }
  int (*compute)(int) = (int (*)(int))dlsym(lib, "plugin_compute");
  printf("plugin_host: %d\n", compute(13));
  return 0;
}

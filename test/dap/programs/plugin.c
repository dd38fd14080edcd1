/* A shared library loaded at run time by plugin_host.c: its lines are unknown to gdb until then. */
int plugin_compute(int x) {
  int y = x * 3; // #PLUGIN
  return y + 1;
}

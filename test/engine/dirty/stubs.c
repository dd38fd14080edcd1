/* What the tracking module links against in the engine, for the test programs
 * that compile it in: nothing of the plugin manager is used by the module. */
#include "../../../native/lib/engine.h"
void ckpt_plugin_register(const struct ckpt_plugin *p) { (void)p; }

// Once per plugin: exports `hourglass_plugin_version`, the Hourglass version
// these sources were compiled against. `hourglass --plugin` refuses a plugin
// without it, or built against another version, before anything runs.
#include "hourglass/core/plugin.h"

HOURGLASS_PLUGIN();

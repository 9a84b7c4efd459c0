// Plugins: shared libraries, built outside this repository against the
// installed package (find_package(hourglass), hourglass::core), that add
// families, learners and protocols with the same static registrars as the
// built-in ones. docs/extending.md walks through examples/plugin/.
//
// A plugin says, once, in one of its source files:
//
//   #include "hourglass/core/plugin.h"
//   HOURGLASS_PLUGIN();
//
// which exports the symbol `hourglass_plugin_version`: the version of the
// headers it was compiled against (hourglass/core/version.h).
//
// Loading (hourglass run|validate|list --plugin FILE, or a suite's
// `plugins:` key) happens before any suite is read or anything runs. Static
// registrars run inside dlopen, before any symbol can be looked up, so the
// version is checked twice: every Registrar asks registration::accept() with
// its own compiled-in version before touching a registry (so nothing of a
// plugin from another version is ever added), and the exported symbol is
// checked once dlopen returns. load_plugin() throws InputError naming the
// file (located at `where` when a suite named it) when the file is missing,
// is not a shared library that loads, does not export
// hourglass_plugin_version, was built against another version, registers a
// name that exists already, or registers nothing; a refused plugin leaves
// the registries as they were.
#pragma once

#include <string>
#include <vector>

#include "hourglass/core/error.h"
#include "hourglass/core/version.h"

#define HOURGLASS_PLUGIN()                                                 \
  extern "C" __attribute__((visibility("default"))) const char             \
      hourglass_plugin_version[] = HOURGLASS_VERSION_STRING

namespace hg {

// Loads the plugin at `path` (see above). Loading a file that is loaded
// already (by its canonical path) does nothing.
void load_plugin(const std::string& path, const SourceLocation& where = {});

// The canonical paths of the plugins loaded so far, in load order.
std::vector<std::string> loaded_plugins();

}  // namespace hg

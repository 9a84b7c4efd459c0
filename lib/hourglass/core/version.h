// The Hourglass version these headers belong to (CMakeLists.txt checks that
// it matches project(VERSION)). Installed with the package.
//
// A plugin records the version it was compiled against (HOURGLASS_PLUGIN in
// hourglass/core/plugin.h) and every one of its registrars checks it before
// adding anything; `hourglass --plugin` refuses a plugin whose version
// differs from its own. The interfaces a plugin implements (families,
// learners, their Info structs) are C++ classes with no stable ABI across
// versions, so a plugin is rebuilt against each installation it runs with.
#pragma once

#define HOURGLASS_VERSION_STRING "0.1.0"

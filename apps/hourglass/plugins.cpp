// --plugin FILE (run, validate, list) and the plugins a suite names.
#include <memory>

#include "commands.h"
#include "hourglass/core/plugin.h"
#include "hourglass/suite/suite.h"

namespace hg::cli {

void add_plugin_option(CLI::App* cmd, std::vector<std::string>* plugins) {
  cmd->add_option("--plugin", *plugins,
                  "load families, learners and protocols from this shared library (built "
                  "against this installation, see docs/extending.md); repeatable")
      ->take_all()
      ->allow_extra_args(false);
}

void load_plugins(const std::vector<std::string>& files, const std::vector<std::string>& suites) {
  for (const auto& f : files) load_plugin(f);
  for (const auto& suite : suites)
    for (const auto& p : suite_plugins(suite)) load_plugin(p.path, p.where);
}

}  // namespace hg::cli

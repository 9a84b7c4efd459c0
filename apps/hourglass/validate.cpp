// hourglass validate SUITE.yaml...: check suites, print every error.
#include <iostream>

#include "commands.h"
#include "hourglass/run/plan.h"

namespace hg::cli {

void add_validate(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "validate",
      "Check suites against the registered families and learners; print every error as "
      "file:line:col. Exit 0 when all are valid, 2 otherwise. Writes nothing.");
  auto files = std::make_shared<std::vector<std::string>>();
  cmd->add_option("suites", *files, "suite files (YAML)")->required();
  auto plugins = std::make_shared<std::vector<std::string>>();
  add_plugin_option(cmd, plugins.get());
  cmd->callback([&action, files, plugins] {
    action = [files, plugins] {
      load_plugins(*plugins, *files);
      const Catalog catalog = registered_catalog();
      int code = kExitOk;
      for (const auto& path : *files) {
        try {
          const Suite suite = load_suite(path, catalog);
          const auto populations = suite.tasks.size() * suite.agents.size() * suite.budgets.size();
          std::cout << path << ": ok: suite '" << suite.name << "', " << suite.tasks.size()
                    << " task(s) x " << suite.agents.size() << " agent(s) x "
                    << suite.budgets.size() << " budget(s) = " << populations
                    << " population(s) of " << suite.seeds << " seed(s)\n";
        } catch (const SuiteError& e) {
          for (const auto& d : e.diagnostics()) std::cerr << d.str() << '\n';
          std::cerr << path << ": " << e.diagnostics().size() << " error(s)\n";
          code = kExitInput;
        }
      }
      return code;
    };
  });
}

}  // namespace hg::cli

// hourglass validate SUITE.yaml...: check suites, print every error.
#include <iostream>
#include <set>

#include "commands.h"
#include "hourglass/run/plan.h"
#include "hourglass/run/shard.h"
#include "hourglass/core/text.h"

namespace hg::cli {

void add_suite_limits(CLI::App* cmd, std::vector<std::string>* include_paths,
                      double* max_population_seconds) {
  cmd->add_option("--include-path", *include_paths,
                  "a folder the suite's includes may come from besides the suite's own folder "
                  "tree (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--max-population-seconds", *max_population_seconds,
                  "refuse a suite any of whose populations is estimated to take longer than "
                  "this many seconds on one core (see docs/scaling-out.md)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

void add_validate(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "validate",
      "Check suites against the registered families and learners; print every error as "
      "file:line:col. Exit 0 when all are valid, 2 otherwise. Writes nothing.");
  auto files = std::make_shared<std::vector<std::string>>();
  auto include_paths = std::make_shared<std::vector<std::string>>();
  auto max_seconds = std::make_shared<double>(kDefaultMaxPopulationSeconds);
  cmd->add_option("suites", *files, "suite files (YAML)")->required();
  add_suite_limits(cmd, include_paths.get(), max_seconds.get());
  auto plugins = std::make_shared<std::vector<std::string>>();
  add_plugin_option(cmd, plugins.get());
  cmd->callback([&action, files, include_paths, max_seconds, plugins] {
    action = [files, include_paths, max_seconds, plugins] {
      load_plugins(*plugins, *files, *include_paths);
      const Catalog catalog = registered_catalog();
      int code = kExitOk;
      for (const auto& path : *files) {
        try {
          const Suite suite = load_suite(path, catalog, {*include_paths});
          const auto plan = expand(suite, {});
          check_population_seconds(suite, plan, *max_seconds);
          // Sweeps (docs/suite-format.md#sweeps): their configurations are agents.
          std::set<std::string> sweeps;
          size_t configurations = 0;
          for (const auto& agent : suite.agents)
            if (!agent.sweep.empty()) {
              sweeps.insert(agent.sweep);
              ++configurations;
            }
          std::cout << path << ": ok: suite '" << suite.name << "', " << suite.tasks.size()
                    << " task(s) x " << suite.agents.size() << " agent(s)";
          if (!sweeps.empty())
            std::cout << " (" << configurations << " configuration(s) of " << sweeps.size()
                      << " sweep(s))";
          std::cout << " x " << suite.budgets.size() << " budget(s) = " << plan.size()
                    << " population(s) of " << suite.seeds << " seed(s)\n";
        } catch (const SuiteError& e) {
          for (const auto& d : e.diagnostics()) std::cerr << d.str() << '\n';
          std::cerr << path << ": " << e.diagnostics().size() << " error(s)\n";
          code = kExitInput;
        } catch (const InputError& e) {
          std::cerr << (e.located() ? "" : "error: ") << printable(e.what(), true) << '\n';
          std::cerr << path << ": 1 error(s)\n";
          code = kExitInput;
        }
      }
      return code;
    };
  });
}

}  // namespace hg::cli

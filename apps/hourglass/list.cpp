// hourglass list families|learners|protocols|suites
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "hourglass/core/error.h"
#include "hourglass/learners/learner.h"
#include "hourglass/run/plan.h"
#include "hourglass/run/protocol.h"
#include "hourglass/tasks/family.h"

namespace hg::cli {
namespace {

void print_params(const std::vector<ParamSpec>& specs) {
  if (specs.empty()) {
    std::cout << "    (no parameters)\n";
    return;
  }
  size_t name_w = 4, type_w = 4, def_w = 7;
  for (const auto& s : specs) {
    name_w = std::max(name_w, s.name.size());
    type_w = std::max(type_w, describe_type(s).size());
    def_w = std::max(def_w, format_value(s.default_value).size());
  }
  auto pad = [](const std::string& s, size_t w) { return s + std::string(w - s.size(), ' '); };
  std::cout << "    " << pad("name", name_w) << "  " << pad("type", type_w) << "  "
            << pad("default", def_w) << "  doc\n";
  for (const auto& s : specs) {
    std::string doc = s.doc;
    if (auto b = describe_bounds(s); !b.empty()) doc += " (" + b + ")";
    std::cout << "    " << pad(s.name, name_w) << "  " << pad(describe_type(s), type_w) << "  "
              << pad(format_value(s.default_value), def_w) << "  " << doc << '\n';
  }
}

int list_families() {
  for (const auto& [name, info] : FamilyRegistry::instance().entries()) {
    std::cout << name << "  [" << to_string(info.kind) << "]  " << info.doc << '\n';
    std::cout << "    from: " << FamilyRegistry::instance().origin(name) << '\n';
    print_params(info.params);
    if (!info.suggested_ood.empty()) {
      std::cout << "    suggested ood splits";
      if (!info.example_params.empty())
        std::cout << " (with params " << format_overrides(info.example_params) << ")";
      std::cout << ":\n";
      for (const auto& s : info.suggested_ood)
        std::cout << "      " << s.name << ": " << format_overrides(s.overrides) << "  # " << s.doc
                  << '\n';
    }
    std::cout << '\n';
  }
  std::cout << "Every parameter can be set in a task's params and overridden per split (train, "
               "ood/<name>). See docs/families.md.\n";
  return kExitOk;
}

int list_learners() {
  for (const auto& [name, info] : LearnerRegistry::instance().entries()) {
    std::string kinds;
    for (auto k : info.kinds) kinds += (kinds.empty() ? "" : ", ") + to_string(k);
    std::cout << name << "  [" << kinds << "]  " << info.doc
              << (info.can_continue ? "  (can continue)" : "")
              << (info.trivial ? "  (trivial)" : "") << '\n';
    std::cout << "    from: " << LearnerRegistry::instance().origin(name) << '\n';
    print_params(info.params);
    std::cout << '\n';
  }
  std::string needing;
  for (const auto& [name, info] : ProtocolRegistry::instance().entries())
    if (info.needs_continue) needing += (needing.empty() ? "" : ", ") + name;
  std::cout << "\"can continue\": the learner trains further from its state, which the "
               "protocols that need it ("
            << (needing.empty() ? "none" : needing)
            << ") require (hourglass list protocols).\n\"trivial\": it scores the trivial "
               "reference by construction (a floor to compare against), so it is never the "
               "default reference of the practice multiplier (docs/metrics.md).\nSee "
               "docs/learners.md.\n";
  return kExitOk;
}

int list_protocols() {
  for (const auto& [name, info] : ProtocolRegistry::instance().entries()) {
    std::cout << name << (info.is_default ? "  (default)" : "") << "  " << info.doc << '\n';
    std::cout << "    from: " << ProtocolRegistry::instance().origin(name) << '\n';
    auto print_keys = [](const char* title, const std::vector<ProtocolKey>& keys) {
      std::cout << "    " << title << ":";
      if (keys.empty()) std::cout << " none";
      std::cout << '\n';
      for (const auto& k : keys)
        std::cout << "      " << k.name << (k.required ? " (required)" : "") << ": " << k.spec
                  << '\n';
    };
    print_keys("task keys", info.task_keys);
    print_keys("suite keys", info.suite_keys);
    std::cout << "    splits:\n";
    for (const auto& s : info.splits) std::cout << "      " << s.pattern << ": " << s.doc << '\n';
    std::string kinds;
    for (const auto& k : info.family_kinds) kinds += (kinds.empty() ? "" : ", ") + k;
    std::cout << "    runs: " << kinds << " families"
              << (info.finite_tables ? "" : " drawn from a distribution (no finite tables)")
              << (info.needs_continue ? "; learners that can continue" : "")
              << "; budgets >= " << info.min_budget << "\n\n";
  }
  std::cout << "A suite picks one with `protocol: NAME` (default: the one marked default). "
               "See docs/suite-format.md.\n";
  return kExitOk;
}

int list_suites(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw InputError(dir + ": no such directory of suites");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  const Catalog catalog = registered_catalog();
  for (const auto& f : files) {
    try {
      const Suite s = load_suite(f.string(), catalog);
      const auto trials =
          s.tasks.size() * s.agents.size() * s.budgets.size() * static_cast<size_t>(s.seeds);
      std::cout << s.name << "  " << f.string() << "  (" << trials << " trials)\n    "
                << s.description << "\n";
    } catch (const SuiteError& e) {
      std::cout << f.filename().string() << "  " << f.string() << "  (invalid: "
                << e.diagnostics().size() << " error(s); run hourglass validate)\n";
    }
  }
  return kExitOk;
}

}  // namespace

std::string shipped_suites_dir() {
  // An installed executable (PREFIX/bin/hourglass) finds the suites
  // installed beside it (PREFIX/share/hourglass/suites); one in a build
  // tree uses the source tree's.
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed =
        (exe.parent_path() / HOURGLASS_INSTALLED_SUITES_DIR).lexically_normal();
    if (fs::is_directory(installed, ec)) return installed.string();
  }
  return HOURGLASS_SUITES_DIR;
}

void add_list(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("list",
                                 "List registered families or learners with every parameter "
                                 "(type, default, range, doc) and where each comes from "
                                 "(built-in or a plugin's path), the registered protocols "
                                 "(keys, splits), or the shipped suites.");
  auto what = std::make_shared<std::string>();
  auto plugins = std::make_shared<std::vector<std::string>>();
  auto dir = std::make_shared<std::string>(shipped_suites_dir());
  cmd->add_option("what", *what, "families | learners | protocols | suites")
      ->required()
      ->check(CLI::IsMember({"families", "learners", "protocols", "suites"}));
  cmd->add_option("--dir", *dir, "directory of suites for `list suites`")->capture_default_str();
  add_plugin_option(cmd, plugins.get());
  cmd->callback([&action, what, dir, plugins] {
    action = [what, dir, plugins] {
      load_plugins(*plugins, {});
      if (*what == "families") return list_families();
      if (*what == "learners") return list_learners();
      if (*what == "protocols") return list_protocols();
      return list_suites(*dir);
    };
  });
}

}  // namespace hg::cli

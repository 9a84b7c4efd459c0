// Plugin loading and the registration state the registrars consult.
#include "hourglass/core/plugin.h"

#include <dlfcn.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <utility>

#include "hourglass/core/registry.h"

namespace hg {
namespace {

// The state of the plugin being loaded; `loading` is false outside
// load_plugin (the harness's own registrars, at start-up).
struct LoadState {
  bool loading = false;
  std::string origin = "built-in";
  int accepted = 0;                   // registrars that were let through
  int refused_version = 0;            // registrars compiled against another version
  std::string foreign_version;        // the version those registrars named
  std::vector<std::string> problems;  // duplicate names
  std::vector<std::function<void()>> undo;
};

LoadState& state() {
  static LoadState s;
  return s;
}

std::vector<std::string>& loaded() {
  static std::vector<std::string> paths;
  return paths;
}

// The first four bytes of an ELF file.
bool looks_like_elf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::memcmp(magic, "\x7f" "ELF", 4) == 0;
}

}  // namespace

namespace registration {

bool accept(const char* version) {
  LoadState& s = state();
  if (!s.loading) return true;
  if (version == nullptr || std::strcmp(version, HOURGLASS_VERSION_STRING) != 0) {
    ++s.refused_version;
    s.foreign_version = version ? version : "?";
    return false;
  }
  ++s.accepted;
  return true;
}

const std::string& origin() { return state().origin; }

bool loading_plugin() { return state().loading; }

void refuse(const std::string& problem) { state().problems.push_back(problem); }

void added(std::function<void()> undo) { state().undo.push_back(std::move(undo)); }

}  // namespace registration

void load_plugin(const std::string& path, const SourceLocation& where) {
  namespace fs = std::filesystem;
  auto fail = [&](const std::string& why) {
    const std::string message = "plugin " + path + ": " + why;
    if (where.known()) throw InputError(where, message);
    throw InputError(message);
  };
  std::error_code ec;
  if (!fs::exists(path, ec)) fail("no such file");
  if (!fs::is_regular_file(path, ec)) fail("not a regular file");
  const std::string canonical = fs::canonical(path, ec).string();
  if (ec) fail("cannot resolve the path: " + ec.message());
  for (const auto& p : loaded())
    if (p == canonical) return;
  if (!looks_like_elf(canonical)) fail("not a shared library (no ELF header)");

  LoadState& s = state();
  s = LoadState{};
  s.loading = true;
  s.origin = canonical;
  // RTLD_NOW: an unresolved symbol (a plugin built against another version
  // of the library) fails here rather than in the middle of a run.
  void* handle = ::dlopen(canonical.c_str(), RTLD_NOW | RTLD_LOCAL);
  LoadState outcome = std::move(s);
  s = LoadState{};
  auto undo = [&outcome] {
    for (auto it = outcome.undo.rbegin(); it != outcome.undo.rend(); ++it) (*it)();
  };
  // A refused plugin stays mapped: its registrars ran and may have left
  // objects behind that point into it; the process exits with code 2 anyway.
  if (!handle) {
    undo();
    const char* error = ::dlerror();
    fail(std::string("not a shared library that loads here: ") + (error ? error : "dlopen failed"));
  }
  const auto* version = static_cast<const char*>(::dlsym(handle, "hourglass_plugin_version"));
  if (outcome.refused_version > 0 || (version && std::strcmp(version, HOURGLASS_VERSION_STRING) != 0)) {
    undo();
    const std::string theirs = version ? version : outcome.foreign_version;
    fail("built against Hourglass " + theirs + ", but this is Hourglass " +
         HOURGLASS_VERSION_STRING + ": rebuild the plugin against this installation");
  }
  if (!version) {
    undo();
    fail("not an Hourglass plugin: it does not export hourglass_plugin_version "
         "(write HOURGLASS_PLUGIN(); in one of its source files)");
  }
  if (!outcome.problems.empty()) {
    undo();
    std::string why = outcome.problems[0];
    for (size_t i = 1; i < outcome.problems.size(); ++i) why += "; " + outcome.problems[i];
    fail(why);
  }
  if (outcome.undo.empty()) {
    fail(outcome.accepted > 0
             ? "its registrars ran but added nothing to the harness's registries (built with "
               "-fvisibility=hidden? the registries must be shared with the harness)"
             : "registers nothing (no family, learner or protocol registrar ran)");
  }
  loaded().push_back(canonical);
}

std::vector<std::string> loaded_plugins() { return loaded(); }

}  // namespace hg

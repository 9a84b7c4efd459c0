// A registry of components by name, filled by static registrars before main
// (OpenSpiel's REGISTER_SPIEL_GAME idea), or while a plugin is loaded
// (hourglass/core/plugin.h). `Info` must have a `std::string name`.
//
//   namespace { const hg::FamilyRegistrar kRegistrar(MakeInfo()); }
//
// The map is a function-local static, so registration order across
// translation units does not matter. Every entry remembers where it came
// from: "built-in" for the harness's own, the plugin's path for a plugin's
// (`hourglass list` prints it).
//
// Registering a name twice is a bug in the harness and aborts at start-up
// with a message. A plugin that registers a name that exists already is
// refused instead: its registration is recorded as a problem, nothing is
// added, and load_plugin() reports it as bad input naming the plugin file.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hourglass/core/version.h"

namespace hg {

// Where registrations come from right now. Implemented in core/plugin.cpp.
namespace registration {

// Called by every Registrar before it touches a registry, with the version
// of the headers the registrar was compiled against: false = drop the entry.
// Built-in registrars are always accepted; while a plugin loads, a plugin
// built against another version is not (and load_plugin refuses it). A
// plain function with a C-compatible signature, so that a plugin from
// another version can still call it safely.
bool accept(const char* version);
// "built-in", or the path of the plugin being loaded.
const std::string& origin();
// True while a plugin's static registrars run (inside load_plugin).
bool loading_plugin();
// While a plugin loads: a problem with one of its registrations (the plugin
// is refused once it is loaded), and how to undo an entry it added.
void refuse(const std::string& problem);
void added(std::function<void()> undo);

}  // namespace registration

// What a registry holds, for messages ("family", "learner"). Specialized
// next to each Info type.
template <class Info>
struct RegistryNoun {
  static constexpr const char* value = "component";
};

template <class Info>
class Registry {
 public:
  static Registry& instance() {
    static Registry registry;
    return registry;
  }

  void add(Info info) {
    const std::string name = info.name;
    if (auto it = origins_.find(name); it != origins_.end()) {
      const std::string noun = RegistryNoun<Info>::value;
      if (registration::loading_plugin()) {
        registration::refuse("registers the " + noun + " '" + name + "', which is registered " +
                             "already (" + it->second + ")");
        return;
      }
      std::fprintf(stderr, "hourglass: the %s '%s' is registered twice\n", noun.c_str(),
                   name.c_str());
      std::abort();
    }
    entries_.emplace(name, std::move(info));
    origins_.emplace(name, registration::origin());
    if (registration::loading_plugin()) {
      registration::added([this, name] {
        entries_.erase(name);
        origins_.erase(name);
      });
    }
  }
  // nullptr when unknown.
  const Info* find(const std::string& name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [name, info] : entries_) out.push_back(name);
    return out;
  }
  const std::map<std::string, Info>& entries() const { return entries_; }
  // Where `name` was registered from: "built-in" or a plugin's path; "" when unknown.
  std::string origin(const std::string& name) const {
    auto it = origins_.find(name);
    return it == origins_.end() ? std::string() : it->second;
  }

 private:
  Registry() = default;
  std::map<std::string, Info> entries_;
  std::map<std::string, std::string> origins_;
};

template <class Info>
struct Registrar {
  explicit Registrar(Info info) {
    if (registration::accept(HOURGLASS_VERSION_STRING))
      Registry<Info>::instance().add(std::move(info));
  }
};

}  // namespace hg

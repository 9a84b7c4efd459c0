// A registry of components by name, filled by static registrars before main
// (OpenSpiel's REGISTER_SPIEL_GAME idea). `Info` must have a `std::string name`.
//
//   namespace { const hg::FamilyRegistrar kRegistrar(MakeInfo()); }
//
// The map is a function-local static, so registration order across
// translation units does not matter. Registering a name twice is a bug and
// aborts at start-up with a message.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace hg {

template <class Info>
class Registry {
 public:
  static Registry& instance() {
    static Registry registry;
    return registry;
  }

  void add(Info info) {
    const std::string name = info.name;
    if (!entries_.emplace(name, std::move(info)).second) {
      std::fprintf(stderr, "hourglass: '%s' is registered twice\n", name.c_str());
      std::abort();
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

 private:
  Registry() = default;
  std::map<std::string, Info> entries_;
};

template <class Info>
struct Registrar {
  explicit Registrar(Info info) { Registry<Info>::instance().add(std::move(info)); }
};

}  // namespace hg

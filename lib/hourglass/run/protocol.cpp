#include "hourglass/run/protocol.h"

#include <stdexcept>

#include "hourglass/core/error.h"

namespace hg {

const ProtocolInfo& default_protocol() {
  const ProtocolInfo* found = nullptr;
  for (const auto& [name, info] : ProtocolRegistry::instance().entries()) {
    if (!info.is_default) continue;
    if (found)
      throw std::logic_error("protocols '" + found->name + "' and '" + name +
                             "' are both registered as the default");
    found = &info;
  }
  if (!found) throw std::logic_error("no protocol is registered as the default");
  return *found;
}

const ProtocolInfo& find_protocol(const std::string& name) {
  if (const ProtocolInfo* info = ProtocolRegistry::instance().find(name)) return *info;
  std::string known;
  for (const auto& n : ProtocolRegistry::instance().names()) known += (known.empty() ? "" : ", ") + n;
  throw InputError("unknown protocol '" + name + "' (registered: " +
                   (known.empty() ? "none" : known) + ")");
}

}  // namespace hg

// protocol: standard, its LibTorch-free half (standard_info.cpp): what the
// loader, the results reader, the report and `list protocols` need. The run
// itself (standard.cpp) registers the protocol.
#pragma once

#include <string>
#include <vector>

#include "hourglass/run/protocol.h"

namespace hg {

// Everything but `run` (LibTorch-free; the suite loader's fuzzer builds it).
ProtocolInfo standard_info();

// train, test, then ood/<name> in suite order.
std::vector<std::string> standard_split_names(const TaskSpec& task);

}  // namespace hg

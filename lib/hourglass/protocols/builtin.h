// The built-in protocols without their training: each one's declaration
// (suite keys, splits; the *_info.cpp files) and report hooks (the
// *_report.cpp files), all LibTorch-free. The protocols' own files
// (standard.cpp, transfer.cpp, ...) add `run` and register the whole; the
// `hourglass` front end, which links no LibTorch and never trains
// (apps/hourglass/main.cpp), registers these instead, so that `report`,
// `merge` and `compare` know every protocol.
#pragma once

#include "hourglass/run/protocol.h"

namespace hg {

ProtocolInfo standard_protocol_without_run();
ProtocolInfo transfer_protocol_without_run();
ProtocolInfo continual_protocol_without_run();
ProtocolInfo deployment_protocol_without_run();

// Registers the four above. Only for an executable without the protocols'
// own files (their registration would clash: "protocol 'standard' is
// registered twice").
void register_builtin_protocols_without_run();

}  // namespace hg

#include "hourglass/protocols/builtin.h"

#include "hourglass/protocols/continual/continual.h"
#include "hourglass/protocols/deployment/deployment.h"
#include "hourglass/protocols/deployment/deployment_report.h"
#include "hourglass/protocols/standard/standard.h"
#include "hourglass/protocols/transfer/transfer.h"

namespace hg {

ProtocolInfo standard_protocol_without_run() { return standard_info(); }

ProtocolInfo transfer_protocol_without_run() {
  ProtocolInfo info = transfer_info();
  info.report_rows = transfer_rows;
  info.report_sections = report::transfer_sections;
  return info;
}

ProtocolInfo continual_protocol_without_run() {
  ProtocolInfo info = continual_info();
  info.report_rows = continual_rows;
  info.report_sections = report::continual_sections;
  return info;
}

ProtocolInfo deployment_protocol_without_run() {
  ProtocolInfo info = deployment_info();
  info.report_rows = deployment_rows;
  info.report_sections = report::deployment_sections;
  return info;
}

void register_builtin_protocols_without_run() {
  for (auto make : {standard_protocol_without_run, transfer_protocol_without_run,
                    continual_protocol_without_run, deployment_protocol_without_run})
    const ProtocolRegistrar registrar(make());
}

}  // namespace hg

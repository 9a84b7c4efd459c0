// The LibTorch-free build of the unit tests (hourglass_sanitized_tests) has
// no protocol runs (they train with LibTorch), so it registers the four
// shipped protocols here as the library does, without `run`: the suite
// loader, the results reader and the report only need their declarations
// and their report hooks.
#include "hourglass/protocols/continual/continual.h"
#include "hourglass/protocols/deployment/deployment.h"
#include "hourglass/protocols/deployment/deployment_report.h"
#include "hourglass/protocols/standard/standard.h"
#include "hourglass/protocols/transfer/transfer.h"
#include "hourglass/report/text_report.h"

namespace hg {
namespace {

ProtocolInfo transfer_with_report() {
  ProtocolInfo info = transfer_info();
  info.report_rows = transfer_rows;
  info.report_sections = report::transfer_sections;
  return info;
}

ProtocolInfo continual_with_report() {
  ProtocolInfo info = continual_info();
  info.report_rows = continual_rows;
  info.report_sections = report::continual_sections;
  return info;
}

ProtocolInfo deployment_with_report() {
  ProtocolInfo info = deployment_info();
  info.report_rows = deployment_rows;
  info.report_sections = report::deployment_sections;
  return info;
}

const ProtocolRegistrar kStandard(standard_info());
const ProtocolRegistrar kTransfer(transfer_with_report());
const ProtocolRegistrar kContinual(continual_with_report());
const ProtocolRegistrar kDeployment(deployment_with_report());

}  // namespace
}  // namespace hg

// The report of the transfer and continual protocols (protocols/protocols.h
// names the splits their trials carry): the rows of Report::transfer and
// Report::continual, and their text sections. No LibTorch here.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "hourglass/report/report.h"
#include "hourglass/report/text_report.h"

namespace hg {

// Fills r.transfer or r.continual (by r.protocol) from r.trial_records.
// stage_order: per task, its stream's stage names in order (from the
// resolved config); a task missing there orders its stages by name.
void protocol_rows(Report& r, const std::map<std::string, std::vector<std::string>>& stage_order);

namespace report {

// The sections that replace the standard ones for a transfer or continual
// report (empty for standard).
std::vector<TextSection> protocol_sections(const Report& r);

}  // namespace report
}  // namespace hg

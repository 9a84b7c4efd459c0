#include "hourglass/core/error.h"

#include "hourglass/core/text.h"

namespace hg {

std::string SourceLocation::str() const {
  if (file.empty() && !known()) return "";
  if (!known()) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Diagnostic::str() const {
  const std::string at = where.str();
  return printable((at.empty() ? "" : at + ": ") + "error: " + message);
}

namespace {
std::string join(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics) {
    if (!out.empty()) out += '\n';
    out += d.str();
  }
  return out;
}
}  // namespace

SuiteError::SuiteError(std::vector<Diagnostic> diagnostics)
    : InputError(join(diagnostics)), diagnostics_(std::move(diagnostics)) {}

}  // namespace hg

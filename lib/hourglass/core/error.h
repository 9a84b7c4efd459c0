// Errors with a source location, and the exit codes they map to.
//
// Contract: library code never calls exit(); it throws one of these and the
// CLI (apps/hourglass) turns it into a message on stderr and an exit code:
//   InputError (and SuiteError)  -> 2  bad usage or bad input, nothing written
//   BudgetExceeded               -> recorded as a failed trial (a learner bug)
//   anything else                -> 3  internal error
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace hg {

// A position in a YAML file; line and column are 1-based (0 = unknown).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  bool known() const { return line > 0; }
  // "file:line:col", "file" when the line is unknown, "" when nothing is known.
  std::string str() const;
};

// One located error message: `file:line:col: error: message`.
struct Diagnostic {
  SourceLocation where;
  std::string message;

  std::string str() const;
};

// Bad input from the user (suite, results file, command line). Exit code 2.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
  InputError(const SourceLocation& where, const std::string& message)
      : std::runtime_error(Diagnostic{where, message}.str()), located_(true) {}
  // True when what() already reads "file:line:col: error: message".
  bool located() const { return located_; }

 private:
  bool located_ = false;
};

// All the errors found in one suite, in file order. what() joins them with
// newlines; diagnostics() gives them one by one.
class SuiteError : public InputError {
 public:
  explicit SuiteError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// A learner asked the budgeted sampler for more samples than its budget.
class BudgetExceeded : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace hg

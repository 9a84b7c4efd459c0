// Conformance checks over registered families and learners, for the
// harness's own tests (tests/conformance/) and for plugins, which run the
// same checks on their own components (examples/plugin/conformance_test.cpp).
// Installed with the package; no test framework needed: every check returns
// what is wrong, one line per violation, empty when the component conforms.
//
// Learner checks train a tiny task of `family` (its example_params and every
// suggested OOD split) on the CPU through the real runner, the path a
// suite takes:
//   * training: every trial `ok`, no more samples drawn than the budget,
//     every split (train, test, each OOD split) scored with finite values;
//   * determinism: the same population trained twice gives the same trials
//     (status, samples, updates, every split's raw score, bit for bit);
//   * member independence: member a trained alone ({a}) and beside another
//     member ({a, b}) gives member a the same trial, bit for bit: a member's
//     result never depends on which seeds share its population.
// Family checks: at least one suggested OOD split (what `hourglass list
// families` shows and the OOD columns of a report need), and each one
// passes the family's own check_split.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hg::conformance {

struct Options {
  int64_t budget = 24;        // samples (supervised) per member
  int64_t interactive_budget = 256;  // environment steps per member (interactive)
  int64_t seeds = 2;          // members of the population checked
  int64_t eval_samples = 40;  // per split
};

// The family's declarations (see above).
std::vector<std::string> family_violations(const std::string& family);

// Each learner property alone, on `family` (see above).
std::vector<std::string> training_violations(const std::string& learner, const std::string& family,
                                             const Options& options = {});
std::vector<std::string> determinism_violations(const std::string& learner,
                                                const std::string& family,
                                                const Options& options = {});
std::vector<std::string> independence_violations(const std::string& learner,
                                                 const std::string& family,
                                                 const Options& options = {});
// All three.
std::vector<std::string> learner_violations(const std::string& learner, const std::string& family,
                                            const Options& options = {});

// The registered families of a kind `learner` trains on, by name.
std::vector<std::string> families_for(const std::string& learner);

// Every check on every family and learner registered from `origin`
// ("built-in" or a plugin's canonical path, as `hourglass list` shows it):
// its families' declarations, its learners on every family of a kind they
// train on, and every learner (of any origin) on its families. Lines read
// "family: ..." and "learner on family: ..."; empty when all conform.
std::vector<std::string> origin_violations(const std::string& origin, const Options& options = {});

}  // namespace hg::conformance

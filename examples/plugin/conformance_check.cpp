// The harness's conformance checks on this plugin's components, with the
// helper installed with the package (hourglass/testing/conformance.h):
//
//   build/hourglass_example_plugin_conformance build/libhourglass_example_plugin.so
//
// loads the plugin and checks its family (it declares suggested OOD splits)
// and learner (it trains within its budget, scores every split, is
// deterministic, and trains each member independently of the others), on
// every family of its kind and with every learner on the family. Prints what
// is wrong; exit 0 when nothing is.
#include <filesystem>
#include <iostream>

#include "hourglass/core/error.h"
#include "hourglass/core/plugin.h"
#include "hourglass/testing/conformance.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " PLUGIN.so\n";
    return 2;
  }
  try {
    hg::load_plugin(argv[1]);
  } catch (const hg::InputError& e) {
    std::cerr << e.what() << '\n';
    return 2;
  }
  const std::string origin = std::filesystem::canonical(argv[1]).string();
  const auto problems = hg::conformance::origin_violations(origin);
  for (const auto& p : problems) std::cerr << p << '\n';
  std::cout << (problems.empty() ? "conforms: " : "does not conform: ") << origin << '\n';
  return problems.empty() ? 0 : 1;
}

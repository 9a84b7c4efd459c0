// The LibTorch-free build of the unit tests (hourglass_sanitized_tests) has
// no protocol runs (they train with LibTorch), so it registers the four
// shipped protocols as the `hourglass` front end does, without `run`
// (protocols/builtin.h): the suite loader, the results reader and the report
// only need their declarations and their report hooks.
#include "hourglass/protocols/builtin.h"

namespace hg {
namespace {

const bool kRegistered = (register_builtin_protocols_without_run(), true);

}  // namespace
}  // namespace hg

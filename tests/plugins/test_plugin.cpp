// Test plugins for `--plugin` (tests/cli/plugin_cli_test.cpp), one source
// built four ways (tests/CMakeLists.txt):
//   TEST_PLUGIN_OK             a learner `test-plugin-mean` (predicts the
//                              training mean): loads, lists, runs
//   TEST_PLUGIN_DUPLICATE      a new learner, then one named `ridge`, which
//                              is built in: refused, and neither is added
//   TEST_PLUGIN_OTHER_VERSION  compiled as if against another Hourglass
//                              version's headers: refused before anything
//                              is registered
//   TEST_PLUGIN_UNVERSIONED    no HOURGLASS_PLUGIN(): refused
#ifdef TEST_PLUGIN_OTHER_VERSION
// The headers of another version: every registrar and the exported symbol
// carry this version instead of the harness's.
#include "hourglass/core/version.h"
#undef HOURGLASS_VERSION_STRING
#define HOURGLASS_VERSION_STRING "0.0.0-other"
#endif

#include <ATen/ATen.h>

#include <memory>

#include "hourglass/core/plugin.h"
#include "hourglass/learners/learner.h"

#ifndef TEST_PLUGIN_UNVERSIONED
HOURGLASS_PLUGIN();
#endif

namespace {

// Predicts, for every member, the mean of its training targets.
class MeanLearner final : public hg::Learner {
 protected:
  void do_train(hg::TrainContext& ctx) override {
    const hg::Batch b = ctx.data.draw(ctx.data.remaining());
    mean_ = b.y.size(1) > 0 ? b.y.mean(1, /*keepdim=*/true)
                            : at::zeros({b.y.size(0), 1, b.y.size(2)}, b.y.options());
    ctx.updates = 1;
  }
  at::Tensor do_predict(const at::Tensor& x) override {
    return mean_.expand({x.size(0), x.size(1), mean_.size(2)}).contiguous();
  }

 private:
  at::Tensor mean_;
};

hg::LearnerInfo mean_info(const char* name) {
  hg::LearnerInfo info;
  info.name = name;
  info.doc = "predicts the mean training target (a test plugin)";
  info.kinds = {hg::TaskKind::kRegression};
  info.make = [](const hg::Params&) { return std::make_unique<MeanLearner>(); };
  return info;
}

#if defined(TEST_PLUGIN_DUPLICATE)
const hg::LearnerRegistrar kFresh(mean_info("test-plugin-fresh"));
const hg::LearnerRegistrar kClash(mean_info("ridge"));
#else
const hg::LearnerRegistrar kMean(mean_info("test-plugin-mean"));
#endif

}  // namespace

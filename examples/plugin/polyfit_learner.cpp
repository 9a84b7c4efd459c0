// `example-polyfit`: a template learner. Least squares on polynomial features
// (x, x^2, ..., x^degree of every input coordinate, plus an intercept) with a
// small ridge penalty, solved in closed form for the whole population at once.
//
// A learner trains a population (P members, one per seed) in one computation:
// its parameters are stacked [P, ...] tensors, never a loop over seeds. It
// sees data only through ctx.data, the budgeted source the harness owns: it
// may draw up to ctx.data.budget() examples per member, and drawing more
// throws BudgetExceeded (the trial then fails). It never sees `test` or OOD
// data; the harness calls predict() on those splits afterwards.
#include <ATen/ATen.h>

#include <memory>

#include "hourglass/learners/learner.h"

namespace example {
namespace {

using hg::Batch;
using hg::LearnerInfo;
using hg::ParamSpec;
using hg::Params;
using hg::TaskKind;
using hg::TrainContext;

class PolyfitLearner final : public hg::Learner {
 public:
  explicit PolyfitLearner(const Params& p)
      : degree_(p.integer("degree")), lambda_(p.real("lambda")) {}

 protected:
  // Called once by the harness (through the public, non-virtual train()).
  void do_train(TrainContext& ctx) override {
    // The whole budget at once: [P, n, d] inputs and [P, n, out] targets on
    // ctx.device. (An iterative learner draws minibatches in a loop until
    // ctx.data.remaining() is 0, counting ctx.updates.)
    const Batch batch = ctx.data.draw(ctx.data.remaining());
    const at::Tensor phi = features(batch.x).to(at::kDouble);  // [P, n, f]
    const at::Tensor y = batch.y.to(at::kDouble);               // [P, n, out]
    const int64_t n = phi.size(1), f = phi.size(2);
    if (n == 0) {  // a budget of 0: predict 0 everywhere
      weights_ = at::zeros({phi.size(0), f, y.size(2)}, batch.x.options());
      ctx.updates = 0;
      return;
    }
    // Ridge normal equations for every member at once: (X^T X / n + lambda I) w = X^T y / n.
    // The intercept column (the first) is not penalized; 1e-9 keeps the
    // system solvable when lambda is 0 and there are fewer examples than features.
    at::Tensor penalty = at::eye(f, phi.options()) * (lambda_ + 1e-9);
    penalty.select(0, 0).select(0, 0).fill_(1e-9);
    const at::Tensor gram = at::bmm(phi.transpose(1, 2), phi) / static_cast<double>(n);
    const at::Tensor rhs = at::bmm(phi.transpose(1, 2), y) / static_cast<double>(n);
    const at::Tensor w = at::linalg_solve(gram + penalty.unsqueeze(0), rhs);
    weights_ = w.to(at::kFloat);
    ctx.updates = 1;  // a closed-form solve counts as one update
    // A member whose solution is not finite is recorded as diverged.
    ctx.mark_diverged(weights_.flatten(1).sum(1), 1);
  }

  // [P, n, d] -> [P, n, out], under no-grad (the harness sets it).
  at::Tensor do_predict(const at::Tensor& x) override {
    return at::bmm(features(x), weights_.to(x.device()));
  }

 private:
  // [1, x, x^2, ..., x^degree] per coordinate: [P, n, 1 + d * degree].
  at::Tensor features(const at::Tensor& x) const {
    std::vector<at::Tensor> columns{at::ones_like(x.narrow(2, 0, 1))};
    at::Tensor power = x;
    for (int64_t k = 1; k <= degree_; ++k) {
      columns.push_back(power);
      power = power * x;
    }
    return at::cat(columns, 2);
  }

  int64_t degree_;
  double lambda_;
  at::Tensor weights_;  // [P, f, out]
};

LearnerInfo MakeInfo() {
  LearnerInfo info;
  info.name = "example-polyfit";  // what a suite's agent `learner:` names
  info.doc = "least squares on polynomial features, closed form (an example plugin)";
  info.kinds = {TaskKind::kRegression};  // the family kinds it trains on
  // The agent's `params:` are checked against these; `hourglass list
  // learners` prints them.
  info.params = {
      ParamSpec::Int("degree", 2, 1, 12, "highest power of every input coordinate"),
      ParamSpec::Real("lambda", 1e-6, 0.0, 1e6, "L2 penalty on the non-constant weights"),
  };
  info.make = [](const Params& p) { return std::make_unique<PolyfitLearner>(p); };
  return info;
}

const hg::LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace example

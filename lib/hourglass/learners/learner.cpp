#include "hourglass/learners/learner.h"

#include <torch/torch.h>

#include <stdexcept>

namespace hg {

void TrainContext::mark_diverged(const at::Tensor& per_member, int64_t step) {
  const auto finite = torch::isfinite(per_member.detach()).to(torch::kCPU).contiguous();
  const auto* ok = finite.data_ptr<bool>();
  for (size_t i = 0; i < diverged_at.size(); ++i)
    if (!ok[i] && !diverged_at[i]) diverged_at[i] = step;
}

void Learner::train(TrainContext& ctx) {
  if (trained_) throw std::logic_error("Learner::train called twice");
  population_ = static_cast<int64_t>(ctx.member_seeds.size());
  shape_ = ctx.shape;
  ctx.diverged_at.assign(ctx.member_seeds.size(), std::nullopt);
  do_train(ctx);
  trained_ = true;
}

at::Tensor Learner::predict(const at::Tensor& x) {
  if (!trained_) throw std::logic_error("Learner::predict before train");
  if (x.dim() != 3 || x.size(0) != population_ || x.size(2) != shape_.input_dim)
    throw std::logic_error("Learner::predict: expected x of shape [P, n, input_dim]");
  torch::NoGradGuard no_grad;
  auto out = do_predict(x);
  if (out.dim() != 3 || out.size(0) != population_ || out.size(1) != x.size(1) ||
      out.size(2) != shape_.output_dim)
    throw std::logic_error("learner returned a prediction of the wrong shape");
  return out;
}

}  // namespace hg

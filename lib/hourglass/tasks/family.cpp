#include "hourglass/tasks/family.h"

#include <torch/torch.h>

#include <stdexcept>

namespace hg {

std::string to_string(TaskKind kind) {
  switch (kind) {
    case TaskKind::kRegression: return "regression";
    case TaskKind::kClassification: return "classification";
    case TaskKind::kInteractive: return "interactive";
  }
  return "?";
}

std::vector<double> RegressionSplit::score(const at::Tensor& prediction,
                                           const Batch& batch) const {
  const auto y = batch.y.to(torch::kCPU, torch::kDouble);
  const auto p = prediction.to(torch::kCPU, torch::kDouble);
  if (p.sizes() != y.sizes())
    throw std::logic_error("prediction shape does not match the targets");
  const auto mse = (p - y).pow(2).mean({1, 2}).contiguous();
  std::vector<double> out(mse.data_ptr<double>(), mse.data_ptr<double>() + mse.numel());
  for (auto& v : out) v = -v;
  return out;
}

}  // namespace hg

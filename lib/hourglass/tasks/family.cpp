#include "hourglass/tasks/family.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
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

std::vector<double> ClassificationSplit::score(const at::Tensor& prediction,
                                               const Batch& batch) const {
  const auto y = batch.y.to(torch::kCPU, torch::kLong);
  const auto p = prediction.to(torch::kCPU);
  if (p.dim() != 3 || y.dim() != 2 || p.size(0) != y.size(0) || p.size(1) != y.size(1))
    throw std::logic_error("prediction shape does not match the class ids");
  const int64_t classes = p.size(2);
  // Argmax with ties to the lowest class id: the smallest id among the maxima.
  const auto best = std::get<0>(p.max(2, /*keepdim=*/true));
  const auto ids = torch::arange(classes, torch::kLong).view({1, 1, classes}).expand(p.sizes());
  const auto predicted = torch::where(p == best, ids, torch::full_like(ids, classes)).amin(2);
  const auto accuracy = (predicted == y).to(torch::kDouble).mean(1).contiguous();
  const auto has_nan = torch::isnan(p).flatten(1).any(1).contiguous();
  std::vector<double> out(accuracy.data_ptr<double>(),
                          accuracy.data_ptr<double>() + accuracy.numel());
  const bool* nan = has_nan.data_ptr<bool>();
  for (size_t i = 0; i < out.size(); ++i)
    if (nan[i]) out[i] = std::nan("");
  return out;
}

Batch sample_from_pool(const ExamplePool& pool, int64_t population, int64_t n,
                       std::vector<Rng>& streams) {
  if (static_cast<int64_t>(streams.size()) != population)
    throw std::invalid_argument("sample_from_pool: one stream per member expected");
  auto ids = torch::empty({population, n}, torch::kLong);
  int64_t* out = ids.data_ptr<int64_t>();
  for (int64_t i = 0; i < population; ++i) {
    std::vector<int64_t> items = pool.items(i);
    const auto size = static_cast<int64_t>(items.size());
    if (n > size)
      throw std::invalid_argument("asked for " + std::to_string(n) + " distinct examples of a " +
                                  "split with " + std::to_string(size));
    partial_shuffle(items, n, streams[i]);
    std::copy(items.begin(), items.begin() + n, out + i * n);
  }
  return pool.gather(ids);
}

}  // namespace hg

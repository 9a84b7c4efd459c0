#include "hourglass/learners/learner.h"

#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>

#include "hourglass/core/progress.h"

namespace hg {

namespace {
std::string& log_dir_storage() {
  static std::string dir;
  return dir;
}
}  // namespace

void set_learner_log_dir(const std::string& dir) { log_dir_storage() = dir; }
std::string learner_log_dir() { return log_dir_storage(); }

void mark_diverged_members(const at::Tensor& losses, int64_t last_update,
                           std::vector<std::optional<int64_t>>& diverged_at) {
  count_update(last_update);  // the progress bar's view (core/progress.h)
  const auto rows = losses.dim() == 1 ? losses.detach().unsqueeze(0) : losses.detach();
  const int64_t R = rows.size(0);
  const auto P = static_cast<int64_t>(diverged_at.size());
  const auto finite = torch::isfinite(rows).to(torch::kCPU).contiguous();
  const auto* ok = finite.data_ptr<bool>();
  for (int64_t i = 0; i < P; ++i) {
    if (diverged_at[i]) continue;
    for (int64_t r = 0; r < R; ++r) {
      if (!ok[r * P + i]) {
        diverged_at[i] = last_update - R + 1 + r;
        break;
      }
    }
  }
}

void TrainContext::mark_diverged(const at::Tensor& per_member, int64_t step) {
  mark_diverged_members(per_member, step, diverged_at);
}

void Learner::train(TrainContext& ctx) {
  if (trained_) throw std::logic_error("Learner::train called twice");
  population_ = static_cast<int64_t>(ctx.member_seeds.size());
  shape_ = ctx.shape;
  ctx.diverged_at.assign(ctx.member_seeds.size(), std::nullopt);
  do_train(ctx);
  trained_ = true;
}

void Learner::continue_training(TrainContext& ctx) {
  if (!trained_) throw std::logic_error("Learner::continue_training before train");
  if (static_cast<int64_t>(ctx.member_seeds.size()) != population_ ||
      ctx.shape.input_dim != shape_.input_dim || ctx.shape.output_dim != shape_.output_dim ||
      ctx.shape.kind != shape_.kind)
    throw std::logic_error(
        "Learner::continue_training: the population or the task shape changed");
  ctx.diverged_at.assign(ctx.member_seeds.size(), std::nullopt);
  do_continue(ctx);
}

void Learner::do_continue(TrainContext&) {
  throw std::logic_error("this learner cannot continue training (LearnerInfo::can_continue)");
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

void InteractiveLearner::train(InteractiveTrainContext& ctx) {
  if (trained_) throw std::logic_error("InteractiveLearner::train called twice");
  population_ = static_cast<int64_t>(ctx.member_seeds.size());
  member_seeds_ = ctx.member_seeds;
  spec_ = ctx.spec;
  ctx.diverged_at.assign(ctx.member_seeds.size(), std::nullopt);
  do_train(ctx);
  trained_ = true;
}

void InteractiveLearner::continue_training(InteractiveTrainContext& ctx) {
  if (!trained_) throw std::logic_error("InteractiveLearner::continue_training before train");
  if (static_cast<int64_t>(ctx.member_seeds.size()) != population_ ||
      ctx.spec.obs_dim != spec_.obs_dim || ctx.spec.num_actions != spec_.num_actions)
    throw std::logic_error(
        "InteractiveLearner::continue_training: the population or the environment's shape changed");
  ctx.diverged_at.assign(ctx.member_seeds.size(), std::nullopt);
  do_continue(ctx);
}

void InteractiveLearner::do_continue(InteractiveTrainContext&) {
  throw std::logic_error("this learner cannot continue training (LearnerInfo::can_continue)");
}

void InteractiveLearner::begin_episodes(const std::string& split) {
  if (!trained_) throw std::logic_error("InteractiveLearner::begin_episodes before train");
  do_begin_episodes(member_seeds_, split);
}

void InteractiveLearner::do_begin_episodes(const std::vector<uint64_t>&, const std::string&) {}

at::Tensor InteractiveLearner::act(const at::Tensor& obs) {
  if (!trained_) throw std::logic_error("InteractiveLearner::act before train");
  if (obs.dim() != 3 || obs.size(0) != population_ || obs.size(2) != spec_.obs_dim)
    throw std::logic_error("InteractiveLearner::act: expected obs of shape [P, n, obs_dim]");
  torch::NoGradGuard no_grad;
  auto out = do_act(obs).to(torch::kCPU, torch::kLong);
  if (out.dim() != 2 || out.size(0) != population_ || out.size(1) != obs.size(1))
    throw std::logic_error("learner returned actions of the wrong shape");
  if (out.numel() > 0 && (out.min().item<int64_t>() < 0 ||
                          out.max().item<int64_t>() >= spec_.num_actions))
    throw std::logic_error("learner returned an action outside [0, num_actions)");
  return out.contiguous();
}

double learner_cost(const std::function<double(const Params&, int64_t)>& cost,
                    const Params& params, int64_t budget, int64_t members) {
  const double b = static_cast<double>(budget);
  const double compute = cost ? cost(params, budget) : b;
  return static_cast<double>(members) * (b + compute);
}

double minibatch_cost(const Params& params, int64_t budget) {
  double width = 1.0;
  if (params.has("hidden")) {
    double sum = 0;
    for (auto h : params.int_list("hidden")) sum += static_cast<double>(h);
    width = std::max(1.0, sum / 64.0);
  }
  return static_cast<double>(params.integer("max_updates")) *
         std::min(static_cast<double>(params.integer("batch_size")), static_cast<double>(budget)) *
         width;
}

}  // namespace hg

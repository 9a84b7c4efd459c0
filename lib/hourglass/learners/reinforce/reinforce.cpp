// `reinforce`: Monte Carlo policy gradient (Williams 1992), no value function.
//
// The policy acts in num_envs copies per member; every rollout_steps steps it
// is updated on every step whose episode has ended since, with the discounted
// return-to-go G_t of that episode:
//   -sum(log pi(a_t|s_t) (G_t - b)) / count - entropy_coef mean(H)
// per member, b = the mean of those returns (baseline: mean) or 0 (none).
// Steps of episodes still running wait in the buffer until their episode
// ends (so returns are true Monte Carlo returns, never bootstrapped); steps of
// episodes cut off by the end of the budget are never used.
#include <torch/torch.h>

#include <algorithm>
#include <deque>

#include "hourglass/learners/rl/population_net.h"

namespace hg {
namespace {

class Reinforce final : public rl::PolicyGradientLearner {
 public:
  explicit Reinforce(const Params& p)
      : PolicyGradientLearner(p), mean_baseline_(p.choice("baseline") == "mean") {}

 protected:
  void do_train(InteractiveTrainContext& ctx) override {
    init_policy(ctx);
    train_on(ctx);
  }
  // The policy's weights carry over; Adam's moments and the buffer of steps
  // start afresh.
  void do_continue(InteractiveTrainContext& ctx) override { train_on(ctx); }

 private:
  void train_on(InteractiveTrainContext& ctx) {
    rl::PopulationAdam adam({&policy_}, cfg_.lr, cfg_.max_grad_norm);
    auto streams = member_streams(ctx.member_seeds, "act");
    const int64_t E = cfg_.num_envs;
    at::Tensor obs = ctx.env.reset(E);
    const int64_t P = obs.size(0), D = obs.size(2), n = P * E;

    // Time-major buffer of steps whose return is not used yet.
    std::deque<at::Tensor> obs_buf, act_buf;
    std::deque<std::vector<float>> rew_buf;
    std::deque<std::vector<uint8_t>> done_buf, used_buf;

    while (ctx.env.remaining() >= E && ctx.updates < cfg_.max_updates) {
      {
        torch::NoGradGuard no_grad;
        for (int64_t t = 0; t < cfg_.rollout_steps && ctx.env.remaining() >= E; ++t) {
          const auto a = rl::sample_categorical(policy_.forward(obs), streams).to(ctx.device);
          const Transition tr = ctx.env.step(a);
          obs_buf.push_back(obs);
          act_buf.push_back(a);
          const auto r = tr.reward.to(torch::kCPU).contiguous();
          const auto d = tr.done.to(torch::kCPU).contiguous();
          rew_buf.emplace_back(r.data_ptr<float>(), r.data_ptr<float>() + n);
          done_buf.emplace_back(d.data_ptr<bool>(), d.data_ptr<bool>() + n);
          used_buf.emplace_back(static_cast<size_t>(n), 0);
          obs = tr.obs;
        }
      }
      const auto L = static_cast<int64_t>(obs_buf.size());
      // Returns-to-go and whether each step's episode has ended, backwards.
      std::vector<float> G(static_cast<size_t>(L * n));
      std::vector<uint8_t> mask(static_cast<size_t>(L * n));
      std::vector<int64_t> rows;  // time indices with at least one usable step
      {
        std::vector<double> g(static_cast<size_t>(n), 0.0);
        std::vector<uint8_t> ended(static_cast<size_t>(n), 0);
        for (int64_t t = L - 1; t >= 0; --t) {
          bool any = false;
          for (int64_t k = 0; k < n; ++k) {
            if (done_buf[t][k]) {
              g[k] = 0.0;
              ended[k] = 1;
            }
            g[k] = rew_buf[t][k] + cfg_.gamma * g[k];
            G[t * n + k] = static_cast<float>(g[k]);
            mask[t * n + k] = ended[k] && !used_buf[t][k];
            any = any || mask[t * n + k];
            if (ended[k]) used_buf[t][k] = 1;
          }
          if (any) rows.push_back(t);
        }
      }
      if (!rows.empty()) {
        std::reverse(rows.begin(), rows.end());
        const auto R = static_cast<int64_t>(rows.size());
        std::vector<at::Tensor> o, a;
        std::vector<float> g_sel, m_sel;
        for (int64_t t : rows) {
          o.push_back(obs_buf[t]);
          a.push_back(act_buf[t]);
          g_sel.insert(g_sel.end(), G.begin() + t * n, G.begin() + (t + 1) * n);
          m_sel.insert(m_sel.end(), mask.begin() + t * n, mask.begin() + (t + 1) * n);
        }
        auto member_major = [&](std::vector<float>& x) {
          return torch::from_blob(x.data(), {R, P, E}, torch::kFloat)
              .permute({1, 0, 2})
              .reshape({P, R * E})
              .clone()
              .to(ctx.device);
        };
        const auto obs_t = torch::stack(o, 1).reshape({P, R * E, D});
        const auto act_t = torch::stack(a, 1).reshape({P, R * E});
        const auto ret = member_major(g_sel);
        const auto m = member_major(m_sel);
        const auto count = m.sum(1).clamp_min(1.0);
        auto adv = ret;
        if (mean_baseline_) adv = ret - ((ret * m).sum(1, true) / count.unsqueeze(1));
        const auto log_all = torch::log_softmax(policy_.forward(obs_t), -1);
        const auto log_prob = log_all.gather(2, act_t.unsqueeze(2)).squeeze(2);
        const auto entropy = -(log_all.exp() * log_all).sum(2);
        const auto per_member = -(log_prob * adv * m).sum(1) / count -
                                cfg_.entropy_coef * (entropy * m).sum(1) / count;
        per_member.sum().backward();
        adam.step();
        ++ctx.updates;
        mark_diverged_members(per_member, ctx.updates, ctx.diverged_at);
      }
      // Drop the leading steps whose return has been used in every copy.
      while (!used_buf.empty() &&
             std::all_of(used_buf.front().begin(), used_buf.front().end(),
                         [](uint8_t u) { return u != 0; })) {
        obs_buf.pop_front();
        act_buf.pop_front();
        rew_buf.pop_front();
        done_buf.pop_front();
        used_buf.pop_front();
      }
    }
  }

  bool mean_baseline_;
};

LearnerInfo MakeInfo() {
  LearnerInfo info;
  info.name = "reinforce";
  info.doc = "Monte Carlo policy gradient (no value function), population-batched";
  info.kinds = {TaskKind::kInteractive};
  info.params = rl::policy_gradient_params({
      ParamSpec::Choice("baseline", "mean", {"mean", "none"},
                        "subtract the mean return of the update's steps (not a learned value)"),
  });
  info.make_interactive = [](const Params& p) { return std::make_unique<Reinforce>(p); };
  info.can_continue = true;
  return info;
}

const LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg

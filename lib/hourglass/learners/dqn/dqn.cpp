// `dqn`: deep Q-learning (Mnih et al. 2015) with a replay buffer, a target
// network and a linear epsilon schedule; optionally double Q-learning
// (van Hasselt et al. 2016).
//
// num_envs copies per member act epsilon-greedily; every transition goes to
// the member's replay buffer ([P, buffer_size, ...] on the device, oldest
// overwritten). After learning_starts steps per member, every train_freq
// environment steps (of all copies) one Adam step on the Huber loss of
//   Q(s, a) - (r + gamma (1 - done) Q_target(s', argmax_a' Q(s', a')))
// over batch_size transitions drawn uniformly per member (argmax by the
// target network itself without double_q). The target network is copied
// every target_update gradient steps. Epsilon falls linearly from eps_start
// to eps_end over the first exploration_fraction of the budget. Evaluation
// acts greedily. Done steps, time limits included, do not bootstrap.
#include <torch/torch.h>

#include "hourglass/learners/rl/population_net.h"

namespace hg {
namespace {

class Dqn final : public InteractiveLearner {
 public:
  explicit Dqn(const Params& p)
      : hidden_(p.int_list("hidden")),
        tanh_(p.choice("activation") == "tanh"),
        lr_(p.real("lr")),
        gamma_(p.real("gamma")),
        max_grad_norm_(p.real("max_grad_norm")),
        num_envs_(p.integer("num_envs")),
        capacity_(p.integer("buffer_size")),
        batch_size_(p.integer("batch_size")),
        learning_starts_(p.integer("learning_starts")),
        train_freq_(p.integer("train_freq")),
        target_update_(p.integer("target_update")),
        eps_start_(p.real("eps_start")),
        eps_end_(p.real("eps_end")),
        exploration_fraction_(p.real("exploration_fraction")),
        double_q_(p.boolean("double_q")),
        max_updates_(p.integer("max_updates")) {}

 protected:
  void do_train(InteractiveTrainContext& ctx) override {
    const auto sizes = rl::layer_sizes(ctx.spec.obs_dim, hidden_, ctx.spec.num_actions);
    q_ = rl::PopulationNet(ctx.member_seeds, "q", sizes, tanh_, 1.0, ctx.device);
    train_on(ctx);
  }
  // The Q-network's weights carry over (the target network starts as a copy
  // of them); Adam's moments, the replay buffer and the epsilon schedule
  // (over the new budget) start afresh.
  void do_continue(InteractiveTrainContext& ctx) override { train_on(ctx); }

  at::Tensor do_act(const at::Tensor& obs) override { return q_.forward(obs).argmax(2); }

 private:
  void train_on(InteractiveTrainContext& ctx) {
    const auto sizes = rl::layer_sizes(ctx.spec.obs_dim, hidden_, ctx.spec.num_actions);
    rl::PopulationNet target(ctx.member_seeds, "q", sizes, tanh_, 1.0, ctx.device);
    target.copy_from(q_);
    rl::PopulationAdam adam({&q_}, lr_, max_grad_norm_);
    auto act_streams = member_streams(ctx.member_seeds, "act");
    auto replay_streams = member_streams(ctx.member_seeds, "dqn/replay");
    const int64_t E = num_envs_, A = ctx.spec.num_actions, D = ctx.spec.obs_dim;
    const int64_t C = std::max(capacity_, E);
    at::Tensor obs = ctx.env.reset(E);
    const int64_t P = obs.size(0);
    const auto opts = torch::TensorOptions(ctx.device);
    auto b_obs = torch::zeros({P, C, D}, opts), b_next = torch::zeros({P, C, D}, opts);
    auto b_act = torch::zeros({P, C}, opts.dtype(torch::kLong));
    auto b_rew = torch::zeros({P, C}, opts), b_done = torch::zeros({P, C}, opts);
    int64_t write = 0, size = 0, env_steps = 0, since_train = 0;
    const double explore = std::max(1.0, exploration_fraction_ * static_cast<double>(ctx.env.budget()));

    while (ctx.env.remaining() >= E && ctx.updates < max_updates_) {
      const double eps = eps_start_ + (eps_end_ - eps_start_) *
                                          std::min(1.0, static_cast<double>(env_steps) / explore);
      at::Tensor actions;
      {
        torch::NoGradGuard no_grad;
        actions = q_.forward(obs).argmax(2).to(torch::kCPU).contiguous();
      }
      int64_t* a = actions.data_ptr<int64_t>();
      for (int64_t i = 0; i < P; ++i)
        for (int64_t e = 0; e < E; ++e)
          if (act_streams[i].uniform() < eps)
            a[i * E + e] = static_cast<int64_t>(act_streams[i].below(static_cast<uint64_t>(A)));
      const auto a_dev = actions.to(ctx.device);
      const Transition tr = ctx.env.step(a_dev);
      env_steps += E;
      since_train += E;
      // Store the E transitions of every member at write .. write + E - 1 (mod C).
      const auto slots = (torch::arange(E, torch::kLong) + write).remainder(C).to(ctx.device);
      b_obs.index_copy_(1, slots, obs);
      b_next.index_copy_(1, slots, tr.obs);
      b_act.index_copy_(1, slots, a_dev);
      b_rew.index_copy_(1, slots, tr.reward);
      b_done.index_copy_(1, slots, tr.done.to(torch::kFloat));
      write = (write + E) % C;
      size = std::min(C, size + E);
      obs = tr.obs;

      if (env_steps < learning_starts_) continue;
      while (since_train >= train_freq_ && ctx.updates < max_updates_) {
        since_train -= train_freq_;
        auto idx = torch::empty({P, batch_size_}, torch::kLong);
        int64_t* ip = idx.data_ptr<int64_t>();
        for (int64_t i = 0; i < P; ++i)
          for (int64_t b = 0; b < batch_size_; ++b)
            ip[i * batch_size_ + b] =
                static_cast<int64_t>(replay_streams[i].below(static_cast<uint64_t>(size)));
        idx = idx.to(ctx.device);
        const auto idx3 = idx.unsqueeze(2).expand({P, batch_size_, D});
        const auto s = b_obs.gather(1, idx3), s2 = b_next.gather(1, idx3);
        const auto act = b_act.gather(1, idx), r = b_rew.gather(1, idx), d = b_done.gather(1, idx);
        at::Tensor y;
        {
          torch::NoGradGuard no_grad;
          const auto q_next_target = target.forward(s2);
          const auto best = (double_q_ ? q_.forward(s2) : q_next_target).argmax(2, true);
          y = r + gamma_ * (1.0 - d) * q_next_target.gather(2, best).squeeze(2);
        }
        const auto q = q_.forward(s).gather(2, act.unsqueeze(2)).squeeze(2);
        const auto per_member =
            torch::smooth_l1_loss(q, y, at::Reduction::None).mean(1);
        per_member.sum().backward();
        adam.step();
        ++ctx.updates;
        mark_diverged_members(per_member, ctx.updates, ctx.diverged_at);
        if (ctx.updates % target_update_ == 0) target.copy_from(q_);
      }
    }
  }

  std::vector<int64_t> hidden_;
  bool tanh_;
  double lr_, gamma_, max_grad_norm_;
  int64_t num_envs_, capacity_, batch_size_, learning_starts_, train_freq_, target_update_;
  double eps_start_, eps_end_, exploration_fraction_;
  bool double_q_;
  int64_t max_updates_;
  rl::PopulationNet q_;
};

LearnerInfo MakeInfo() {
  LearnerInfo info;
  info.name = "dqn";
  info.doc = "deep Q-learning with replay, target network and epsilon schedule, population-batched";
  info.kinds = {TaskKind::kInteractive};
  info.cost = minibatch_cost;
  info.params = {
      ParamSpec::IntList("hidden", {64, 64}, 1, 4096, "hidden layer widths", 0),
      ParamSpec::Choice("activation", "relu", {"relu", "tanh"}, "hidden activation"),
      ParamSpec::Real("lr", 1e-3, 1e-8, 1.0, "Adam learning rate"),
      ParamSpec::Real("gamma", 0.99, 0.0, 1.0, "discount factor"),
      ParamSpec::Real("max_grad_norm", 10.0, 0.0, 1e6, "per-member gradient norm clip (0 = none)"),
      ParamSpec::Int("num_envs", 4, 1, 1 << 20, "parallel environment copies per member"),
      ParamSpec::Int("buffer_size", 10000, 1, 1e8, "replay capacity per member (transitions)"),
      ParamSpec::Int("batch_size", 64, 1, 1 << 20, "transitions per gradient step"),
      ParamSpec::Int("learning_starts", 500, 0, 1e12, "environment steps per member before learning"),
      ParamSpec::Int("train_freq", 4, 1, 1 << 20, "environment steps per member per gradient step"),
      ParamSpec::Int("target_update", 250, 1, 1e9, "gradient steps between target copies"),
      ParamSpec::Real("eps_start", 1.0, 0.0, 1.0, "initial exploration rate"),
      ParamSpec::Real("eps_end", 0.05, 0.0, 1.0, "final exploration rate"),
      ParamSpec::Real("exploration_fraction", 0.3, 0.0, 1.0, "share of the budget over which epsilon falls"),
      ParamSpec::Bool("double_q", true, "double Q-learning targets"),
      ParamSpec::Int("max_updates", 1'000'000, 1, 1e9, "compute cap: gradient steps"),
  };
  info.make_interactive = [](const Params& p) { return std::make_unique<Dqn>(p); };
  info.can_continue = true;
  return info;
}

const LearnerRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg

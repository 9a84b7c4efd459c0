// `modular-arithmetic`: (a op b) mod p on the p x p table, the setting of
// grokking (Power et al. 2022).
//
//   input  one-hot(a) and one-hot(b) concatenated: 2p values
//          (TaskShape::one_hot_block = p, so learners may embed them)
//   label  (a + b), (a - b) or (a * b) mod p: a class id in [0, p)
//
// The split is a finite table (an ExamplePool, see tasks/family.h): item id
// a * p + b. The harness draws training pairs without replacement (the budget
// counts distinct pairs) and scores `test` on the pairs the member did not
// train on.
//
// Held-out operands: each member draws (from its instance seed) a set H of
// `held_out_operands` values of a. `operands` picks the split's pairs: `seen`
// the pairs whose a is not in H (every pair when H is empty), `held-out` the
// pairs whose a is in H, `all` every pair. With held_out_operands: k in a
// task's params and an OOD split {operands: held-out}, the learner trains on
// pairs whose a lies outside H and is tested on pairs whose a lies in it.
//
// References (per member, exact over the split's pairs):
//   trivial = the frequency of the most common label among the split's pairs:
//             1/p for add and subtract (every residue once per value of a),
//             higher for multiply (0 is the product of every pair with a 0);
//   optimal = 1 (the label is a function of the input).
#include <torch/torch.h>

#include <algorithm>
#include <numeric>

#include "hourglass/core/error.h"
#include "hourglass/tasks/family.h"

namespace hg {
namespace {

enum class Op { kAdd, kSubtract, kMultiply };
enum class Operands { kSeen, kHeldOut, kAll };

std::string check_modular_split(const Params& split, const Params& train) {
  const int64_t p = split.integer("p"), held = split.integer("held_out_operands");
  if (p != train.integer("p") || held != train.integer("held_out_operands"))
    return "p and held_out_operands must be those of the train split (they define the table "
           "and the held-out operands)";
  if (held >= p)
    return "held_out_operands must be below p (" + std::to_string(p) + "), got " +
           std::to_string(held);
  if (split.choice("operands") == "held-out" && held == 0)
    return "operands: held-out needs held_out_operands >= 1 in the task's params";
  return "";
}

// Pairs of a split: p values of b for each selected value of a.
int64_t pairs_of(const Params& p) {
  const int64_t n = p.integer("p"), held = p.integer("held_out_operands");
  const std::string& operands = p.choice("operands");
  if (operands == "all") return n * n;
  return (operands == "held-out" ? held : n - held) * n;
}

class ModularArithmeticSplit final : public ClassificationSplit, public ExamplePool {
 public:
  ModularArithmeticSplit(const Params& params, const std::vector<uint64_t>& instance_seeds)
      : ClassificationSplit(static_cast<int64_t>(instance_seeds.size())), p_(params.integer("p")) {
    if (auto why = check_modular_split(params, params); !why.empty())
      throw InputError("modular-arithmetic: " + why);
    const std::string& op = params.choice("op");
    op_ = op == "add" ? Op::kAdd : op == "subtract" ? Op::kSubtract : Op::kMultiply;
    const std::string& operands = params.choice("operands");
    const Operands which = operands == "seen"       ? Operands::kSeen
                           : operands == "held-out" ? Operands::kHeldOut
                                                    : Operands::kAll;
    const int64_t held = params.integer("held_out_operands");
    for (uint64_t seed : instance_seeds) {
      Rng rng(seed);
      std::vector<int64_t> values(p_);
      std::iota(values.begin(), values.end(), 0);
      partial_shuffle(values, held, rng);
      std::vector<bool> held_out(p_, false);
      for (int64_t k = 0; k < held; ++k) held_out[values[k]] = true;
      std::vector<int64_t> ids;
      std::vector<int64_t> label_count(p_, 0);
      for (int64_t a = 0; a < p_; ++a) {
        if (which == Operands::kSeen && held_out[a]) continue;
        if (which == Operands::kHeldOut && !held_out[a]) continue;
        for (int64_t b = 0; b < p_; ++b) {
          ids.push_back(a * p_ + b);
          ++label_count[label(a, b)];
        }
      }
      const int64_t most = *std::max_element(label_count.begin(), label_count.end());
      majority_.push_back(static_cast<double>(most) / static_cast<double>(ids.size()));
      items_.push_back(std::move(ids));
    }
  }

  TaskShape shape() const override { return {TaskKind::kClassification, 2 * p_, p_, p_}; }

  Batch sample(int64_t n, std::vector<Rng>& streams) const override {
    return sample_from_pool(*this, population(), n, streams);
  }

  Reference reference() const override {
    Reference r;
    r.trivial = majority_;
    r.optimal.assign(majority_.size(), 1.0);
    return r;
  }

  const ExamplePool* pool() const override { return this; }

  std::vector<int64_t> items(int64_t member) const override { return items_.at(member); }

  Batch gather(const at::Tensor& ids) const override {
    const int64_t P = ids.size(0), n = ids.size(1);
    if (P != population()) throw std::logic_error("modular-arithmetic: ids of another population");
    auto x = torch::zeros({P, n, 2 * p_}, torch::kFloat);
    auto y = torch::empty({P, n}, torch::kLong);
    auto xa = x.accessor<float, 3>();
    auto ya = y.accessor<int64_t, 2>();
    const auto id = ids.to(torch::kLong).contiguous();
    const auto ia = id.accessor<int64_t, 2>();
    for (int64_t i = 0; i < P; ++i) {
      for (int64_t k = 0; k < n; ++k) {
        const int64_t v = ia[i][k];
        if (v < 0 || v >= p_ * p_) throw std::logic_error("modular-arithmetic: id out of range");
        const int64_t a = v / p_, b = v % p_;
        xa[i][k][a] = 1.0f;
        xa[i][k][p_ + b] = 1.0f;
        ya[i][k] = label(a, b);
      }
    }
    return {x, y};
  }

 private:
  int64_t label(int64_t a, int64_t b) const {
    switch (op_) {
      case Op::kAdd:
        return (a + b) % p_;
      case Op::kSubtract:
        return ((a - b) % p_ + p_) % p_;
      case Op::kMultiply:
        return (a * b) % p_;
    }
    return 0;
  }

  int64_t p_;
  Op op_ = Op::kAdd;
  std::vector<std::vector<int64_t>> items_;  // per member, ascending
  std::vector<double> majority_;             // per member
};

FamilyInfo MakeInfo() {
  FamilyInfo info;
  info.name = "modular-arithmetic";
  info.doc = "(a op b) mod p on the p x p table, pairs drawn without replacement (grokking)";
  info.kind = TaskKind::kClassification;
  info.params = {
      ParamSpec::Int("p", 23, 2, 1024, "the modulus: p classes, a p x p table of pairs"),
      ParamSpec::Choice("op", "add", {"add", "subtract", "multiply"}, "the operation"),
      ParamSpec::Int("held_out_operands", 0, 0, 1023,
                     "values of a held out per seed (below p); see `operands`"),
      ParamSpec::Choice("operands", "seen", {"seen", "held-out", "all"},
                        "the split's pairs: a outside the held-out set, a inside it, or all"),
  };
  info.make_split = [](const Params& p, const std::vector<uint64_t>& seeds) {
    return std::make_unique<ModularArithmeticSplit>(p, seeds);
  };
  info.check_split = check_modular_split;
  info.max_budget = [](const Params& train) -> std::optional<int64_t> { return pairs_of(train); };
  info.example_params = {{"held_out_operands", int64_t{4}}};
  info.suggested_ood = {
      {"held-out-operands",
       {{"operands", std::string("held-out")}},
       "pairs whose a was held out of training"},
  };
  return info;
}

const FamilyRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg

// The budgeted sampler: the only way a supervised learner gets data (see
// run/runner.h). Shared by the standard runner and the transfer and
// continual protocols (run/protocols.h), which give every phase its own
// sampler, so a phase can never draw past its budget or reach another
// phase's data.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "hourglass/core/error.h"
#include "hourglass/core/progress.h"
#include "hourglass/core/random.h"
#include "hourglass/learners/learner.h"
#include "hourglass/tasks/family.h"

namespace hg {

// The only way a learner gets data: counts per member, refuses past the
// budget, keeps what it handed out (the `train` split is scored on it).
// Over a split with an ExamplePool it hands out distinct items: each
// member's items shuffled once, then handed out in that order. Once its
// phase is over the phase engine closes it (close()): a learner that kept a
// reference and draws later (while predicting, or in a later phase) is
// refused with std::logic_error, so no phase can reach another's data.
class BudgetedSampler final : public SampleSource {
 public:
  // Draws member i's data from member_streams(trial_seeds, label)[i]: the runner's
  // label is "split/train"; the protocols give each phase its own.
  BudgetedSampler(const SupervisedSplit& split, const std::vector<uint64_t>& trial_seeds,
                  int64_t budget, c10::Device device, const std::string& label = "split/train")
      : split_(split),
        pool_(split.pool()),
        streams_(member_streams(trial_seeds, label)),
        budget_(budget),
        device_(device) {
    if (!pool_) return;
    for (int64_t i = 0; i < split.population(); ++i) {
      order_.push_back(pool_->items(i));
      partial_shuffle(order_.back(), static_cast<int64_t>(order_.back().size()), streams_[i]);
      capacity_ = std::min(capacity_, static_cast<int64_t>(order_.back().size()));
    }
  }

  // Hands out `preset` (on the host, [P, n, ...], drawn by the protocol
  // beforehand, e.g. a deployment chunk it has already scored) in order, its
  // size as the budget, instead of drawing from the split.
  BudgetedSampler(const SupervisedSplit& split, Batch preset, c10::Device device)
      : split_(split),
        pool_(nullptr),
        budget_(preset.x.size(1)),
        device_(device),
        preset_(std::move(preset)) {}

  int64_t remaining() const override { return budget_ - held_back_ - used_; }
  int64_t budget() const override { return budget_ - held_back_; }
  int64_t used() const { return used_; }
  // Distinct examples every member can be handed (unbounded without a pool).
  int64_t capacity() const { return capacity_; }
  // The first refused request, if any (a learner may catch BudgetExceeded,
  // or the refusal of a draw after close()).
  const std::string& refused() const { return refused_; }

  // Refuses every later draw (see above).
  void close() { closed_ = true; }

  // selection: validation (suite/suite.h, validation_samples). Holds the
  // last `n` samples of the budget back from the learner: budget() and
  // remaining() leave them out until draw_held_back() hands them, the next
  // `n` of the same streams (distinct items over a finite table), to the
  // protocol, which scores the `validation` split on them. Called before
  // training; the held-back samples count in used() (they are part of the
  // budget) but not in all_drawn() (the `train` split is what it trained on).
  void hold_back(int64_t n) {
    if (n < 0 || n > budget_ || used_ > 0)
      throw std::logic_error("BudgetedSampler::hold_back: before any draw, within the budget");
    held_back_ = n;
  }
  int64_t held_back() const { return held_back_; }
  // Once, after training (close() may have been called): the held-back samples, on the host.
  Batch draw_held_back() {
    if (held_back_ == 0 || held_back_drawn_)
      throw std::logic_error("BudgetedSampler::draw_held_back: nothing held back, or drawn twice");
    held_back_drawn_ = true;
    return take(held_back_);
  }

  Batch draw(int64_t n) override {
    if (closed_) {
      const std::string message =
          "the learner drew from a sample source after its phase ended (a learner may draw only "
          "inside train() or continue_training(), from the context it was given)";
      if (refused_.empty()) refused_ = message;
      throw std::logic_error(message);
    }
    if (n < 0) throw std::invalid_argument("SampleSource::draw: negative count");
    if (n > remaining()) {
      const std::string message = "learner asked for " + std::to_string(n) + " samples with " +
                                  std::to_string(remaining()) + " of its budget of " +
                                  std::to_string(budget()) + " left";
      if (refused_.empty()) refused_ = message;
      throw BudgetExceeded(message);
    }
    Batch batch = take(n);
    drawn_.push_back(batch);
    return {batch.x.to(device_), batch.y.to(device_)};
  }

  // Everything handed out, on the host (empty batch when nothing was drawn).
  // A single draw (most learners draw the whole budget at once) is returned
  // as it is, not copied: at 60,000 images per member a copy is 188 MB each.
  Batch all_drawn() const {
    if (drawn_.empty()) return {};
    if (drawn_.size() == 1) return drawn_[0];
    std::vector<at::Tensor> xs, ys;
    for (const auto& b : drawn_) {
      xs.push_back(b.x);
      ys.push_back(b.y);
    }
    return {torch::cat(xs, 1), torch::cat(ys, 1)};
  }

  // Ids of the pool items member i was handed, ascending (empty without a pool).
  std::vector<int64_t> seen(int64_t member) const {
    if (!pool_) return {};
    std::vector<int64_t> out(order_[member].begin(), order_[member].begin() + used_);
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  // The next n samples per member (host), counted.
  Batch take(int64_t n) {
    Batch batch;
    if (preset_.x.defined()) {
      batch = {preset_.x.narrow(1, used_, n), preset_.y.narrow(1, used_, n)};
    } else if (pool_) {
      const auto P = static_cast<int64_t>(order_.size());
      auto ids = torch::empty({P, n}, torch::kLong);
      for (int64_t i = 0; i < P; ++i)
        std::copy(order_[i].begin() + used_, order_[i].begin() + used_ + n,
                  ids.data_ptr<int64_t>() + i * n);
      batch = pool_->gather(ids);
    } else {
      batch = split_.sample(n, streams_);
    }
    used_ += n;
    count_samples(n);  // the progress bar's view (core/progress.h)
    return batch;
  }

  const SupervisedSplit& split_;
  const ExamplePool* pool_;
  std::vector<Rng> streams_;
  int64_t budget_;
  c10::Device device_;
  int64_t used_ = 0;
  int64_t capacity_ = std::numeric_limits<int64_t>::max();
  std::string refused_;
  std::vector<Batch> drawn_;
  std::vector<std::vector<int64_t>> order_;  // per member, with a pool
  Batch preset_;
  bool closed_ = false;
  int64_t held_back_ = 0;
  bool held_back_drawn_ = false;
};

}  // namespace hg

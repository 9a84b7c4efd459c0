// A SampleSource over data drawn beforehand: hands out `data` in order, its
// whole size as the budget. For benchmarks and tests that time or compare
// training alone (the runner's BudgetedSampler draws from a family instead).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <stdexcept>
#include <utility>

#include "hourglass/learners/learner.h"

namespace hg {

class FixedSource final : public SampleSource {
 public:
  explicit FixedSource(Batch data) : data_(std::move(data)) {}
  int64_t remaining() const override { return data_.x.size(1) - used_; }
  int64_t budget() const override { return data_.x.size(1); }
  Batch draw(int64_t n) override {
    if (n < 0 || n > remaining()) throw std::out_of_range("FixedSource: draw past the data");
    Batch b{data_.x.narrow(1, used_, n), data_.y.narrow(1, used_, n)};
    used_ += n;
    return b;
  }

 private:
  Batch data_;
  int64_t used_ = 0;
};

}  // namespace hg

// The `torchscript` learner's helpers that tests, examples and benchmarks
// share: TorchScript modules built in C++ (no Python), in the shape of what a
// user saves from PyTorch. The learner itself is in torchscript.cpp and
// registers as "torchscript"; see its header comment for the contract.
#pragma once

#include <torch/script.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hg {

// A multilayer perceptron x [n, input_dim] -> [n, output_dim] with relu
// between layers: submodules fc0, fc1, ... of a class named Linear with
// parameters `weight` [out, in] and `bias` [out] (as torch.nn.Linear), weights
// drawn U(-1/sqrt(in), 1/sqrt(in)) from `seed`.
torch::jit::Module make_torchscript_mlp(int64_t input_dim, const std::vector<int64_t>& hidden,
                                        int64_t output_dim, uint64_t seed);

// PyTorch's default initialization of Linear and Conv layers, in place, drawn
// from `seed` (what `init: seed` does to each member): in every submodule
// with a parameter `weight` of two or more dimensions, weight and the
// submodule's `bias` ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in =
// weight.size(1) * prod(weight.size(2:)); an Embedding's weight ~ N(0, 1);
// every other parameter unchanged.
void reinitialize_like_pytorch(torch::jit::Module& module, uint64_t seed);

}  // namespace hg

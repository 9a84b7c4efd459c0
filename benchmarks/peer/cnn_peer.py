#!/usr/bin/env python3
"""The Python PyTorch peer of hourglass_bench's CNN training step.

The same network as BM_CnnTrainStep (benchmarks/cnn_bench.cpp) and the cnn
agent of suites/fashion-shift.yaml: 28x28 grey images, conv 5x5 (16 channels,
same padding), relu, 2x2 max-pool, conv 5x5 (32), relu, 2x2 max-pool, dense
1568 -> 128, relu, dropout 0.25, dense 128 -> 10; Adam (lr 1e-3) on
cross-entropy, minibatches of 64 images. Written the way research code is:

  single  one nn.Sequential and one torch.optim.Adam, one member (P = 1)
  loop    P such networks and optimizers, stepped one after the other

Prints one JSON object per (mode, P) with microseconds per population step
and per member step. Same LibTorch underneath as Debian's libtorch-dev
(python3-torch 1.13).
"""
import argparse
import json
import time

import torch

BATCH = 64


def network():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32 * 7 * 7, 128), torch.nn.ReLU(),
        torch.nn.Dropout(0.25), torch.nn.Linear(128, 10))


def step_time(p, steps):
    """Seconds per population step of a loop over p members."""
    torch.manual_seed(0)
    x = torch.rand(p, BATCH, 1, 28, 28)
    y = torch.randint(0, 10, (p, BATCH))
    nets = [network() for _ in range(p)]
    opts = [torch.optim.Adam(n.parameters(), lr=1e-3) for n in nets]

    def one_step():
        for i in range(p):
            loss = torch.nn.functional.cross_entropy(nets[i](x[i]), y[i])
            opts[i].zero_grad()
            loss.backward()
            opts[i].step()

    one_step()  # warm-up: first-call allocations
    start = time.perf_counter()
    for _ in range(steps):
        one_step()
    return (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--populations", default="1,8,32")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for p in (int(v) for v in args.populations.split(",")):
        best = min(step_time(p, args.steps) for _ in range(args.repeats))
        print(json.dumps({"mode": "single" if p == 1 else "loop", "population": p,
                          "threads": args.threads, "us_per_step": best * 1e6,
                          "us_per_member_step": best / p * 1e6,
                          "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The Python PyTorch peer of hourglass_bench's MLP training step.

The same workload as BM_MlpTrainStep (benchmarks/train_bench.cpp): P members,
each an MLP 8 -> 64 -> 64 -> 1 with ReLU, trained by Adam (lr 1e-3) on
minibatches of 64 drawn from its own 1,000 examples, 100 updates; written the
two ways research code is:

  per-seed  one nn.Sequential and one torch.optim.Adam per seed, in a loop
  batched   parameters stacked [P, in, out], baddbmm, one Adam over them

Prints one JSON object per (mode, P) with microseconds per member step.
Same LibTorch underneath as Debian's libtorch-dev (python3-torch 1.13).
"""
import argparse
import json
import time

import torch

IN, HIDDEN, BATCH, BUDGET, UPDATES = 8, 64, 64, 1000, 100


def data(p):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(p, BUDGET, IN, generator=g)
    w = torch.randn(p, IN, 1, generator=g) / IN ** 0.5
    return x, torch.bmm(x, w) + 0.5 * torch.randn(p, BUDGET, 1, generator=g)


def per_seed(p):
    x, y = data(p)
    start = time.perf_counter()
    for i in range(p):
        torch.manual_seed(i)
        net = torch.nn.Sequential(torch.nn.Linear(IN, HIDDEN), torch.nn.ReLU(),
                                  torch.nn.Linear(HIDDEN, HIDDEN), torch.nn.ReLU(),
                                  torch.nn.Linear(HIDDEN, 1))
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        perm = torch.randperm(BUDGET)
        cursor = 0
        for _ in range(UPDATES):
            if cursor + BATCH > BUDGET:
                perm, cursor = torch.randperm(BUDGET), 0
            idx = perm[cursor:cursor + BATCH]
            cursor += BATCH
            loss = ((net(x[i, idx]) - y[i, idx]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return time.perf_counter() - start


def batched(p):
    x, y = data(p)
    start = time.perf_counter()
    sizes = [IN, HIDDEN, HIDDEN, 1]
    ws = [(torch.randn(p, a, b) * (2.0 / a) ** 0.5).requires_grad_() for a, b in zip(sizes, sizes[1:])]
    bs = [torch.zeros(p, 1, b, requires_grad=True) for b in sizes[1:]]
    opt = torch.optim.Adam(ws + bs, lr=1e-3)
    cursor, perm = BUDGET, None
    for _ in range(UPDATES):
        if cursor + BATCH > BUDGET:
            perm, cursor = torch.argsort(torch.rand(p, BUDGET), dim=1), 0
        idx = perm[:, cursor:cursor + BATCH]
        cursor += BATCH
        h = torch.gather(x, 1, idx.unsqueeze(2).expand(p, BATCH, IN))
        target = torch.gather(y, 1, idx.unsqueeze(2))
        for layer, (w, b) in enumerate(zip(ws, bs)):
            h = torch.baddbmm(b, h, w)
            if layer + 1 < len(ws):
                h = torch.relu(h)
        loss = ((h - target) ** 2).mean(dim=(1, 2)).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--populations", default="1,8,64,256")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--per-seed-max", type=int, default=64,
                        help="largest P for the per-seed loop (it is slow)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for p in (int(v) for v in args.populations.split(",")):
        for mode, fn in (("per-seed", per_seed), ("batched", batched)):
            if mode == "per-seed" and p > args.per_seed_max:
                continue
            fn(min(p, 2))  # warm-up
            best = min(fn(p) for _ in range(args.repeats))
            print(json.dumps({"mode": mode, "population": p, "threads": args.threads,
                              "us_per_member_step": best / (p * UPDATES) * 1e6,
                              "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()

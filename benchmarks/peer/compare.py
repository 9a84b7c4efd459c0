#!/usr/bin/python3
"""Runs hourglass_bench and the Python peer in one go and prints the ratios.

usage: benchmarks/peer/compare.py [BUILD_DIR] [--threads N] [--cnn]

Both sides train the same MLP workload (see mlp_peer.py) on one intra-op
thread by default, on the same LibTorch. The table gives microseconds per
member step, the speedups of Hourglass over Python per-seed loops and over
batched Python, Hourglass's step as a share of the batched GEMM peak measured
at the same shapes, and a member's step cost at P relative to P = 1.

With --cnn: the cnn learner's step instead (BM_CnnTrainStep against
cnn_peer.py, the same network in Python: one member, and a loop over P
members): microseconds per population step, Hourglass over the Python loop,
and the population step as a share of P single steps (the goals: at most 0.5
at P = 8, and at P = 1 no slower than Python).
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_bench(build, threads, benchmarks="BM_MlpTrainStep|BM_BatchedGemm", min_time="0.5"):
    env = dict(os.environ, HOURGLASS_BENCH_THREADS=str(threads))
    # CMake puts the executable at the top of the build tree.
    binary = os.path.join(build, "hourglass_bench")
    if not os.path.exists(binary):
        binary = os.path.join(build, "benchmarks", "hourglass_bench")
    out = subprocess.run(
        [binary,
         "--benchmark_filter=" + benchmarks, "--benchmark_format=json",
         "--benchmark_min_time=" + min_time],
        check=True, capture_output=True, text=True, env=env).stdout
    rows = {}
    for b in json.loads(out)["benchmarks"]:
        name, p = b["name"].split("/")[0], int(b["name"].split("/")[1])
        rows[(name, p)] = b
    return rows


def run_peer(threads, script="mlp_peer.py"):
    out = subprocess.run([sys.executable, os.path.join(HERE, script),
                          "--threads", str(threads)], check=True, capture_output=True,
                         text=True).stdout
    return {(r["mode"], r["population"]): r for r in map(json.loads, out.splitlines())}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", nargs="?", default="build")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--cnn", action="store_true", help="the cnn learner's step instead")
    args = parser.parse_args()
    if args.cnn:
        return compare_cnn(args)
    bench = run_bench(args.build, args.threads)
    peer = run_peer(args.threads)
    base = 1e6 / bench[("BM_MlpTrainStep", 1)]["member_updates/s"]
    print(f"MLP 8-64-64-1, batch 64, Adam, {args.threads} intra-op thread(s); "
          "us per member step (lower is better)\n")
    header = ("P", "hourglass", "py per-seed", "py batched", "x per-seed", "x batched",
              "% GEMM peak", "vs P=1")
    print("| " + " | ".join(header) + " |")
    print("|" + "---:|" * len(header))
    for p in (1, 8, 64, 256):
        step = bench[("BM_MlpTrainStep", p)]
        us = 1e6 / step["member_updates/s"]
        seed = peer.get(("per-seed", p), {}).get("us_per_member_step")
        bat = peer[("batched", p)]["us_per_member_step"]
        peak = step["GFLOP/s"] / bench[("BM_BatchedGemm", p)]["GFLOP/s"] * 100
        cells = [str(p), f"{us:.1f}", f"{seed:.1f}" if seed else "-", f"{bat:.1f}",
                 f"{seed / us:.2f}" if seed else "-", f"{bat / us:.2f}", f"{peak:.0f}%",
                 f"{us / base:.2f}"]
        print("| " + " | ".join(cells) + " |")


def compare_cnn(args):
    bench = run_bench(args.build, args.threads, "BM_CnnTrainStep", "1")
    peer = run_peer(args.threads, "cnn_peer.py")
    single = bench[("BM_CnnTrainStep", 1)]["us/step"]
    print(f"CNN conv5x5(16)-pool-conv5x5(32)-pool-dense128-10, batch 64 per member, Adam, "
          f"{args.threads} intra-op thread(s); us per population step (lower is better)\n")
    header = ("P", "hourglass", "py loop", "x py loop", "hourglass / (P x P=1)",
              "py loop / (P x P=1)")
    print("| " + " | ".join(header) + " |")
    print("|" + "---:|" * len(header))
    py_single = peer[("single", 1)]["us_per_step"]
    for p in (1, 8, 32):
        us = bench[("BM_CnnTrainStep", p)]["us/step"]
        py = peer[("single" if p == 1 else "loop", p)]["us_per_step"]
        cells = [str(p), f"{us:.0f}", f"{py:.0f}", f"{py / us:.2f}", f"{us / (p * single):.2f}",
                 f"{py / (p * py_single):.2f}"]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Peak memory of Fashion-MNIST at 60,000 images (issue 16: the whole suite
# under 2 GB). Two parts, each measured with GNU time's maximum resident set
# size, so only memory counts, not the machine's load:
#   1. each learner of suites/fashion-shift.yaml alone (--jobs 1) at 60,000
#      images with 3 seeds (one population of three members), its training
#      cut to 20 updates: what a population holds, learner by learner.
#   2. with --full, the whole suite as shipped (3 seeds, default --jobs):
#      the figure the issue asks for: 1.69 GB, 19 minutes on the idle 2-core
#      machine (docs/families.md#fashion-mnist).
# The data set (55 MB of bytes) is read once per process either way
# (test FashionMnistFiles.ReadOnceForEveryPopulationAndThread).
#   benchmarks/fashion-memory.sh [--full] [build/hourglass]
set -euo pipefail
cd "$(dirname "$0")/.."
full=0
if [ "${1:-}" = "--full" ]; then
  full=1
  shift
fi
bin=${1:-build/hourglass}
if [ ! -x /usr/bin/time ]; then
  echo "fashion-memory.sh: needs GNU time (apt-get install time)" >&2
  exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Prints "<peak MB> <wall s>" of one run of hourglass with the given arguments.
measure() {
  if ! /usr/bin/time -f "%M %e" -o "$tmp/time" "$bin" "$@" -q >"$tmp/out" 2>"$tmp/err"; then
    echo "fashion-memory.sh: '$bin $*' failed:" >&2
    cat "$tmp/err" >&2
    exit 1
  fi
  awk '{ printf "%.0f %s\n", $1 / 1024, $2 }' "$tmp/time"
}

# The shipped suite's agents, training cut to 20 updates.
sed -e 's/max_updates: [0-9]*/max_updates: 20/' suites/fashion-shift.yaml >"$tmp/suite.yaml"
printf "%-10s %10s %8s\n" learner "peak MB" "wall s"
for agent in logistic knn mlp cnn; do
  read -r mb s < <(measure run "$tmp/suite.yaml" --agents "$agent" --budgets 60000 --seeds 3 \
    --jobs 1 -o "$tmp/run-$agent")
  printf "%-10s %10s %8s\n" "$agent" "$mb" "$s"
done
read -r mb s < <(measure --version)
printf "%-10s %10s %8s   (the process alone: LibTorch loaded)\n" "--version" "$mb" "$s"

if [ "$full" = 1 ]; then
  echo "the whole suite: hourglass run suites/fashion-shift.yaml (3 seeds, default --jobs)"
  read -r mb s < <(measure run suites/fashion-shift.yaml -o "$tmp/run-full")
  printf "%-10s %10s %8s\n" suite "$mb" "$s"
fi

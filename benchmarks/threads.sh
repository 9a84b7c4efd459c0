#!/usr/bin/env bash
# Threads on a shared machine: wall time of one population of grokking and of
# classification-shift with the default settings, --threads 1 and --threads 2
# (which runs with OMP_WAIT_POLICY=PASSIVE, threads.h), and --threads 2 with
# libgomp's own wait policy (what --threads 2 did before), each alone and
# with one busy neighbour process (a shell loop on one core, as a compiler or
# a second suite would be). Prints the times and the ratios to --threads 1
# under the same conditions. The machine's load average is printed before and
# after: on a machine shared with other work, only ratios within one run mean
# anything (docs/performance.md#threads-on-a-shared-machine).
#   benchmarks/threads.sh [build/hourglass]   (CAP=seconds per run, default 120)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/hourglass}
cap=${CAP:-120}
tmp=$(mktemp -d)
neighbour=""
cleanup() {
  if [ -n "$neighbour" ]; then kill "$neighbour" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# name|suite and filters: one population each.
cases=(
  "grokking|suites/grokking.yaml --tasks add-mod-23\$ --budgets 450 --seeds 1"
  "classification-shift|suites/classification-shift.yaml --agents knn --budgets 10000 --seeds 5"
)
# name|environment|flags
settings=(
  "default||"
  "threads 1||--threads 1"
  "threads 2||--threads 2"
  "threads 2, libgomp wait|OMP_WAIT_POLICY=|--threads 2"
)

# Seconds of one run (">CAP" when it was stopped at the cap).
time_run() {
  local env_assign=$1 args=$2 start end
  start=$(date +%s.%N)
  local rc=0
  # shellcheck disable=SC2086
  # SIGKILL: a first SIGTERM would let the population in flight finish.
  env $env_assign timeout -s KILL "$cap" "$bin" run $args --quiet --overwrite --out "$tmp/out" \
    >/dev/null 2>"$tmp/err" || rc=$?
  end=$(date +%s.%N)
  if [ "$rc" -eq 137 ] || [ "$rc" -eq 124 ]; then echo ">$cap"; return; fi
  if [ "$rc" -ne 0 ]; then echo "threads.sh: exit $rc: $args" >&2; cat "$tmp/err" >&2; fi
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}

ratio() {  # $1 / $2, or "-" when either was capped
  case "$1$2" in *'>'*) echo "-" ;; *) awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }' ;; esac
}

echo "threads.sh: $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A seconds
for neighbour_mode in alone neighbour; do
  if [ "$neighbour_mode" = neighbour ]; then
    sh -c 'while :; do :; done' &
    neighbour=$!
    sleep 1
  fi
  for c in "${cases[@]}"; do
    name=${c%%|*} args=${c#*|}
    for s in "${settings[@]}"; do
      label=${s%%|*} rest=${s#*|}
      env_assign=${rest%%|*} flags=${rest#*|}
      seconds["$name|$label|$neighbour_mode"]=$(time_run "$env_assign" "$args $flags")
    done
  done
  if [ -n "$neighbour" ]; then kill "$neighbour"; wait "$neighbour" 2>/dev/null || true; neighbour=""; fi
done
echo "threads.sh: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| population | setting | alone (s) | vs threads 1 | with a busy neighbour (s) | vs threads 1 |\n'
printf '|---|---|---:|---:|---:|---:|\n'
for c in "${cases[@]}"; do
  name=${c%%|*}
  for s in "${settings[@]}"; do
    label=${s%%|*}
    a=${seconds["$name|$label|alone"]} n=${seconds["$name|$label|neighbour"]}
    printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$label" "$a" \
      "$(ratio "$a" "${seconds["$name|threads 1|alone"]}")" "$n" \
      "$(ratio "$n" "${seconds["$name|threads 1|neighbour"]}")"
  done
done

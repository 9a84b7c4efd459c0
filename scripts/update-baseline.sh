#!/usr/bin/env bash
# Regenerates the CI baselines suites/baselines/<suite>.json from fresh runs
# of the gate suites, with the settings CI uses (the defaults: one intra-op
# thread per job, so reruns are exact; keep them in step with the gate tests
# in tests/CMakeLists.txt). Never edit a baseline by hand. Run this when a
# change is meant to move the gate scores (or changed a gate suite, a family
# or a learner): it prints the comparison against the old baseline first, so
# the PR can say what moved and why.
#   scripts/update-baseline.sh                  every gate suite
#   scripts/update-baseline.sh smoke-interactive  one of them
#   HOURGLASS=path/to/hourglass scripts/update-baseline.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${HOURGLASS:-build/hourglass}
suites=("$@")
if ((${#suites[@]} == 0)); then suites=(smoke smoke-classification smoke-interactive smoke-images smoke-byo); fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for suite in "${suites[@]}"; do
  baseline=suites/baselines/$suite.json
  "$bin" run "suites/$suite.yaml" --quiet --out "$tmp/$suite" >/dev/null
  if [ -f "$baseline" ]; then
    echo "update-baseline: $suite: the new run against the old baseline:" >&2
    "$bin" compare "$baseline" "$tmp/$suite/results.json" --allow-suite-change || true
  fi
  mkdir -p "$(dirname "$baseline")"
  cp "$tmp/$suite/results.json" "$baseline"
  echo "update-baseline: wrote $baseline" >&2
done
echo "update-baseline: review 'git diff --stat suites/baselines' and commit it with a message" \
     "that says why the scores moved" >&2

#!/usr/bin/env bash
# Regenerates the CI baseline suites/baselines/smoke.json from a fresh run of
# the smoke suite, with the settings CI uses (--jobs 2 --threads 1; keep them
# in step with gate.smoke_run in tests/CMakeLists.txt). Never edit the
# baseline by hand. Run this when a change is meant to move the smoke scores
# (or changed the suite, a family or a learner): it prints the comparison
# against the old baseline first, so the PR can say what moved and why.
#   scripts/update-baseline.sh            uses build/hourglass
#   HOURGLASS=path/to/hourglass scripts/update-baseline.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${HOURGLASS:-build/hourglass}
baseline=suites/baselines/smoke.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" run suites/smoke.yaml --jobs 2 --threads 1 --quiet --out "$tmp/smoke" >/dev/null
if [ -f "$baseline" ]; then
  echo "update-baseline: the new run against the old baseline:" >&2
  "$bin" compare "$baseline" "$tmp/smoke/results.json" --allow-suite-change || true
fi
mkdir -p "$(dirname "$baseline")"
cp "$tmp/smoke/results.json" "$baseline"
echo "update-baseline: wrote $baseline; review 'git diff --stat $baseline' and commit it" \
     "with a message that says why the scores moved" >&2

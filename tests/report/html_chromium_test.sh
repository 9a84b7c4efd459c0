#!/usr/bin/env bash
# The html report opens in headless Chromium with no console messages, and
# its DOM holds every plot: the sample-efficiency curves, the test-vs-OOD
# scatter with its probit fit and R^2, the aggregate IQM intervals and the
# probability-of-improvement matrices. Keeps a screenshot in OUTPUT_DIR.
#
# Usage: html_chromium_test.sh HOURGLASS FIXTURE_RESULTS_JSON OUTPUT_DIR
# Needs Debian's chromium (./scripts/setup.sh --tests).
set -euo pipefail
hourglass=$(realpath "$1") fixture=$(realpath "$2") out=$3
fail() { echo "FAIL: $*" >&2; exit 1; }

browser=$(command -v chromium || true)
[ -n "$browser" ] || fail "chromium not found: install Debian's chromium (./scripts/setup.sh --tests)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
html="$out/report.html"
rm -f "$html" "$out/report-screenshot.png"
"$hourglass" report "$fixture" --reference mlp --format html -o "$html"

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
       --user-data-dir="$profile" --enable-logging=stderr --v=0)
timeout 120 "$browser" "${flags[@]}" --window-size=1400,3000 \
  --screenshot="$out/report-screenshot.png" "file://$html" >/dev/null 2>"$out/chromium-screenshot.log" ||
  fail "chromium could not render $html (see $out/chromium-screenshot.log)"
timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$html" \
  >"$out/report-dom.html" 2>"$out/chromium-dom.log" ||
  fail "chromium could not load $html (see $out/chromium-dom.log)"

# Console messages (errors, uncaught exceptions) and failed loads.
if grep -hE ':CONSOLE[:(]|Uncaught|Failed to load resource' "$out"/chromium-*.log; then
  fail "the page logged to the console (above)"
fi

dom="$out/report-dom.html"
count() { grep -o "data-plot=\"$1\"" "$dom" | wc -l; }
for kind in curve scatter iqm improvement; do
  n=$(count "$kind")
  [ "$n" -gt 0 ] || fail "no '$kind' plot in the rendered page"
  echo "$kind plots: $n"
done
grep -q 'R² = ' "$dom" || fail "the scatter has no R^2"
grep -q 'probit fit: slope' "$dom" || fail "the scatter has no probit fit"
grep -q '<polygon fill="#0072B2" fill-opacity' "$dom" || fail "the curves have no interval bands"

png="$out/report-screenshot.png"
[ -s "$png" ] || fail "no screenshot"
[ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "the screenshot is not a PNG"
size=$(stat -c %s "$png")
[ "$size" -gt 50000 ] || fail "the screenshot is only $size bytes: a blank page?"
echo "html_chromium_test: $($browser --version 2>/dev/null | head -1) rendered every plot, no console messages; screenshot $png ($size bytes)"

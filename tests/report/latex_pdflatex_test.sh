#!/usr/bin/env bash
# The latex report compiles with pdflatex (booktabs tables) into a PDF in one pass.
#
# Usage: latex_pdflatex_test.sh HOURGLASS FIXTURE_RESULTS_JSON OUTPUT_DIR
# Needs Debian's texlive-latex-base and texlive-latex-recommended
# (./scripts/setup.sh --tests).
set -euo pipefail
hourglass=$(realpath "$1") fixture=$(realpath "$2") out=$3
fail() { echo "FAIL: $*" >&2; exit 1; }

command -v pdflatex >/dev/null ||
  fail "pdflatex not found: install Debian's texlive-latex-base texlive-latex-recommended (./scripts/setup.sh --tests)"
mkdir -p "$out"
cd "$out"
rm -f report.tex report.pdf report.log
"$hourglass" report "$fixture" --reference mlp --format latex -o report.tex
timeout 120 pdflatex -interaction=nonstopmode -halt-on-error report.tex >pdflatex.out 2>&1 ||
  { tail -30 pdflatex.out; fail "pdflatex failed on $out/report.tex"; }
[ -s report.pdf ] || fail "no report.pdf"
grep -q "Output written on report.pdf" report.log || fail "pdflatex wrote no pages"
echo "latex_pdflatex_test: $(grep -o 'Output written on report.pdf ([0-9]* pages*' report.log))"

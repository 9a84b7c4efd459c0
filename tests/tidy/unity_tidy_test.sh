#!/usr/bin/env bash
# Checks tests/tidy/unity_tidy.py on a small made-up library (no LibTorch):
#  - two sources that both define kLimit and helper() in anonymous namespaces
#    share one unit, with the second's names renamed;
#  - a source whose clash is a name a header uses (so it cannot be renamed)
#    moves to a unit of its own;
#  - a warning in a source is reported (exit 1, the file and the check named),
#    and once fixed the run passes naming 3 sources in 2 units.
#   unity_tidy_test.sh WORK_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$1
rm -rf "$work"
mkdir -p "$work/src/lib/hourglass" "$work/build"
lib=$work/src/lib/hourglass
cat >"$work/src/.clang-tidy" <<'CFG'
Checks: '-*,modernize-use-nullptr'
HeaderFilterRegex: 'lib/hourglass/.*'
CFG
cat >"$lib/shared.h" <<'H'
#pragma once
struct Options { int check = 0; };
int check(const Options& o);
H
cat >"$lib/a.cpp" <<'A'
#include "hourglass/shared.h"
namespace { const int kLimit = 3; int helper() { return kLimit; } }
int check(const Options& o) { return o.check + helper(); }
A
cat >"$lib/b.cpp" <<'B'
#include "hourglass/shared.h"
namespace { const int kLimit = 4; long helper() { return kLimit; } }
int* pointer_b() { static int x = static_cast<int>(helper()); int* p = 0; p = &x; return p; }
B
cat >"$lib/c.cpp" <<'C'
#include "hourglass/shared.h"
namespace { int check(int v) { return v; } }
int check(const Options& o) { return check(o.check); }
C
entries=""
for s in a b c; do
  entries+="{\"directory\": \"$work/build\", \"file\": \"$lib/$s.cpp\", \"command\": \"c++ -I$work/src/lib -std=c++17 -o $s.o -c $lib/$s.cpp\"},"
done
echo "[${entries%,}]" >"$work/build/compile_commands.json"

status=0
python3 "$here/unity_tidy.py" "$work/src" "$work/build" "$work/units" 2 '.*\.cpp' \
  >"$work/first.log" 2>&1 || status=$?
if [ "$status" -ne 1 ] || ! grep -q "b.cpp:3:.*warning: use nullptr \[modernize-use-nullptr\]" "$work/first.log"; then
  cat "$work/first.log" >&2
  echo "FAIL: the warning in b.cpp was not reported with exit 1 (exit $status)" >&2
  exit 1
fi
sed -i 's/int\* p = 0;/int* p = nullptr;/' "$lib/b.cpp"
python3 "$here/unity_tidy.py" "$work/src" "$work/build" "$work/units" 2 '.*\.cpp' >"$work/second.log" 2>&1 || {
  cat "$work/second.log" >&2; echo "FAIL: the fixed library does not pass" >&2; exit 1; }
grep -q "3 library sources in 2 units (2 names renamed), no warnings" "$work/second.log" || {
  cat "$work/second.log" >&2; echo "FAIL: expected 3 sources in 2 units with 2 renames" >&2; exit 1; }
grep -q "c.cpp moves to a later unit" "$work/units/units.txt" || {
  cat "$work/units/units.txt" >&2; echo "FAIL: c.cpp should have moved (its clash, check, is in a header)" >&2; exit 1; }
grep -q "#define kLimit kLimit_unity_1" "$work/units/unit_00.cpp" || {
  cat "$work/units/unit_00.cpp" >&2; echo "FAIL: b.cpp's kLimit was not renamed" >&2; exit 1; }
echo "unity_tidy.py: renames, moves and reports as expected"

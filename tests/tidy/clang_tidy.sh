#!/usr/bin/env bash
# clang-tidy, with the repository's .clang-tidy, on every library source
# (lib/**/*.cpp, and the lib/ headers they include): fails on any warning.
# Compile commands come from a configure-only build directory without
# precompiled headers (clang cannot read GCC's) and without ccache.
#   clang_tidy.sh SOURCE_DIR WORK_DIR [JOBS [FILES]]
# FILES: a regular expression of the sources to check, relative to
# lib/hourglass/ (default: every .cpp); ctest's clang_tidy_torch_free passes
# the LibTorch-free sources (cmake/torch_free_sources.cmake).
set -euo pipefail
src=$1 work=$2 jobs=${3:-$(nproc)} files_re=${4:-'.*\.cpp'}
tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
runner=$(command -v run-clang-tidy-14 || command -v run-clang-tidy || true)
if [ -z "$tidy" ] || [ -z "$runner" ]; then
  echo "FAIL: clang-tidy is not installed (scripts/setup.sh --tests installs package clang-tidy)" >&2
  exit 1
fi
mkdir -p "$work"
cmake -S "$src" -B "$work" -DCMAKE_BUILD_TYPE=Release -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON \
      -DHOURGLASS_BUILD_TESTS=OFF -DHOURGLASS_BUILD_BENCHMARKS=OFF -DHOURGLASS_USE_CCACHE=OFF \
      -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$work/configure.log"
files=$(grep -cE "\"file\": \"$src/lib/hourglass/($files_re)\"" "$work/compile_commands.json" || true)
start=$(date +%s)
status=0
"$runner" -clang-tidy-binary "$tidy" -p "$work" -quiet -j "$jobs" "^$src/lib/hourglass/($files_re)$" \
  >"$work/tidy.log" 2>&1 || status=$?
seconds=$(( $(date +%s) - start ))
# run-clang-tidy colours its output (--use-color) even into a file: strip the
# escape codes, or no warning would match below.
sed 's/\x1b\[[0-9;]*m//g' "$work/tidy.log" >"$work/tidy.txt"
if grep -E ": (warning|error): " "$work/tidy.txt" >&2 || [ "$status" -ne 0 ]; then
  echo "FAIL: clang-tidy reports the above on lib/ (full log: $work/tidy.txt)" >&2
  exit 1
fi
echo "clang-tidy: $files library sources, no warnings, ${seconds}s with $jobs job(s)"

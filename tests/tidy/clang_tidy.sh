#!/usr/bin/env bash
# clang-tidy, with the repository's .clang-tidy, on the library's sources
# (lib/hourglass/**/*.cpp, and the lib/ headers they include): fails on any
# warning. Compile commands come from a configure-only build directory without
# precompiled headers (clang cannot read GCC's) and without ccache; the
# sources are checked a few at a time in generated translation units
# (tests/tidy/unity_tidy.py says why and how), so LibTorch's headers are
# walked once per unit rather than once per source.
#   clang_tidy.sh SOURCE_DIR WORK_DIR [JOBS [FILES]]
# FILES: a regular expression of the sources to check, relative to
# lib/hourglass/ (default: every .cpp).
set -euo pipefail
src=$1 work=$2 jobs=${3:-$(nproc)} files_re=${4:-'.*\.cpp'}
if ! command -v python3 >/dev/null; then
  echo "FAIL: python3 is not installed (scripts/setup.sh --tests installs package python3)" >&2
  exit 1
fi
mkdir -p "$work"
cmake -S "$src" -B "$work" -DCMAKE_BUILD_TYPE=Release -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON \
      -DHOURGLASS_BUILD_TESTS=OFF -DHOURGLASS_BUILD_BENCHMARKS=OFF -DHOURGLASS_USE_CCACHE=OFF \
      -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$work/configure.log"
exec python3 "$(dirname "$0")/unity_tidy.py" "$src" "$work" "$work/units" "$jobs" "$files_re"

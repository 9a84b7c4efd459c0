#!/usr/bin/env bash
# Sets up Hourglass on Debian 12: installs the Debian packages it needs
# (skipped when already installed) and builds it in build/.
#   scripts/setup.sh           packages for building and running; builds only
#                              build/hourglass (what the quick start runs)
#   scripts/setup.sh --tests   also what the test suite needs; builds
#                              everything (tests, sanitizer build, benchmarks,
#                              fuzzer)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake ninja-build g++ git pkg-config ccache
          libtorch-dev libopenblas0-openmp
          libcli11-dev libyaml-cpp-dev libspdlog-dev nlohmann-json3-dev
          libgtest-dev libbenchmark-dev zlib1g-dev
          dataset-fashion-mnist)

# What the tests need beyond the build (tests/CMakeLists.txt): a single-node
# Slurm for the job-array test (label slurm); for the report checks (label
# report-tools) pandas loads the csv, scipy checks the statistics, headless
# Chromium renders the html (with a font to draw text), pdflatex compiles the
# latex; python3-torch runs the TorchScript example (make_models.py), numpy
# the external-agent examples. Those tests fail, naming the package, when one is missing. clang
# builds the suite loader fuzzer (label fuzz; left out, with a warning, when
# clang++ is missing at configure time). The fashion-mnist CLI test reads the
# real files of dataset-fashion-mnist (installed above for every setup: the
# family needs it); python3-torch runs the Python peer of the benchmarks
# (benchmarks/peer/).
test_packages=(slurm-wlm munge python3
               python3-numpy python3-pandas python3-scipy python3-torch
               chromium fonts-dejavu-core
               texlive-latex-base texlive-latex-recommended
               clang libclang-rt-14-dev python3-torch)

targets=(--target hourglass)
for arg in "$@"; do
  case "$arg" in
    --tests) packages+=("${test_packages[@]}"); targets=() ;;
    *) echo "usage: scripts/setup.sh [--tests]" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# LibTorch multiplies through libblas.so.3: make sure it is OpenBLAS (openmp),
# not the reference BLAS (about 7x slower).
blas=$(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | awk '/^Value:/ {print $2}')
case "$blas" in
  *openblas*) ;;
  *) echo "setup: warning: libblas.so.3 points at '${blas:-?}', not OpenBLAS" >&2 ;;
esac

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build build -j"$(nproc)" "${targets[@]}"

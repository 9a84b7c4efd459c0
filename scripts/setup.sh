#!/usr/bin/env bash
# Sets up Hourglass on Debian 12: installs the Debian packages it needs
# (skipped when already installed) and builds it in build/.
#   scripts/setup.sh           packages for building and running
#   scripts/setup.sh --tests   also what the test suite needs
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake ninja-build g++ git pkg-config
          libtorch-dev libopenblas0-openmp
          libcli11-dev libyaml-cpp-dev libspdlog-dev nlohmann-json3-dev
          libgtest-dev libbenchmark-dev
          clang libclang-rt-14-dev)  # the suite loader fuzzer (libFuzzer) in the tests

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
cmake --build build -j"$(nproc)"

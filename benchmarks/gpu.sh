#!/usr/bin/env bash
# Builds hourglass_bench against the LibTorch inside a PyTorch 2.x wheel (with
# CUDA) and runs the training-core benchmarks with --device cuda, in one go.
#
# usage:
#   benchmarks/gpu.sh --download DEBS   on a Debian 12 machine with apt: fetch the
#                                       dependency .deb files into DEBS
#   benchmarks/gpu.sh [DEBS]            on the GPU machine: unpack DEBS/*.deb
#                                       (dpkg -x) into a prefix, configure,
#                                       build, run
#
# Environment: PYTHON (default python3, the one with torch), BUILD (default
# build-gpu), JOBS (default nproc), BENCH_FILTER (default Mlp|Gemm), THREADS
# (HOURGLASS_BENCH_THREADS, default 1). Without DEBS the dependencies
# (yaml-cpp, CLI11, spdlog, fmt, nlohmann-json, Google Benchmark) must be
# installed where CMake finds them.
#
# UNTESTED on a GPU: written without one at hand (see docs/performance.md).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEB_PACKAGES=(libyaml-cpp-dev libyaml-cpp0.7 libcli11-dev libspdlog-dev libspdlog1.10
              libfmt-dev libfmt9 nlohmann-json3-dev libbenchmark-dev libbenchmark1debian)

if [[ "${1:-}" == "--download" ]]; then
  dest="${2:?usage: benchmarks/gpu.sh --download DIR}"
  mkdir -p "$dest"
  (cd "$dest" && apt-get download "${DEB_PACKAGES[@]}")
  ls -1 "$dest"
  exit 0
fi

PYTHON="${PYTHON:-python3}"
BUILD="${BUILD:-$ROOT/build-gpu}"
JOBS="${JOBS:-$(nproc)}"
DEBS="${1:-}"

# The wheel's LibTorch, and the C++ ABI it was built with: everything linked
# with it must use the same _GLIBCXX_USE_CXX11_ABI.
read -r TORCH_VERSION TORCH_PREFIX ABI CUDA_OK < <("$PYTHON" - <<'PY'
import torch
print(torch.__version__, torch.utils.cmake_prefix_path,
      int(torch._C._GLIBCXX_USE_CXX11_ABI), int(torch.cuda.is_available()))
PY
)
TORCH_LIB="$(dirname "$TORCH_PREFIX")/../lib"
echo "torch $TORCH_VERSION, cmake prefix $TORCH_PREFIX, _GLIBCXX_USE_CXX11_ABI=$ABI, cuda available: $CUDA_OK"
if [[ "$CUDA_OK" != 1 ]]; then
  echo "gpu.sh: this torch sees no CUDA device" >&2
  exit 1
fi

PREFIX_PATH="$TORCH_PREFIX"
LIB_PATH="$TORCH_LIB"
if [[ -n "$DEBS" ]]; then
  # Debian's packages are built with the new ABI; with an old-ABI wheel their
  # C++ symbols (std::string in yaml-cpp, spdlog, benchmark) will not link.
  if [[ "$ABI" != 1 ]]; then
    echo "gpu.sh: warning: torch uses _GLIBCXX_USE_CXX11_ABI=0 but Debian's packages use 1;" \
         "build yaml-cpp, spdlog, fmt and benchmark from source with -D_GLIBCXX_USE_CXX11_ABI=0" >&2
  fi
  DEPS="$BUILD/deps"
  mkdir -p "$DEPS"
  for deb in "$DEBS"/*.deb; do dpkg -x "$deb" "$DEPS"; done
  PREFIX_PATH="$PREFIX_PATH;$DEPS/usr;$DEPS/usr/lib/x86_64-linux-gnu/cmake;$DEPS/usr/share/cmake"
  LIB_PATH="$LIB_PATH:$DEPS/usr/lib/x86_64-linux-gnu"
fi

GENERATOR=()
command -v ninja > /dev/null && GENERATOR=(-G Ninja)
cmake -S "$ROOT" -B "$BUILD" "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DHOURGLASS_BUILD_TESTS=OFF -DHOURGLASS_BUILD_BENCHMARKS=ON \
  -DCMAKE_PREFIX_PATH="$PREFIX_PATH" \
  -DCMAKE_CXX_FLAGS="-D_GLIBCXX_USE_CXX11_ABI=$ABI"
cmake --build "$BUILD" -j "$JOBS" --target hourglass_bench

export LD_LIBRARY_PATH="$LIB_PATH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export HOURGLASS_BENCH_THREADS="${THREADS:-1}"
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv
"$BUILD/hourglass_bench" --device cuda --benchmark_filter="${BENCH_FILTER:-Mlp|Gemm}" \
  --benchmark_min_time=0.5

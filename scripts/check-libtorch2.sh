#!/usr/bin/env bash
# Checks Hourglass against LibTorch 2.6 (CPU) from Debian 13 "trixie", on a
# Debian 12 machine, in one command: it builds hourglass, hourglass_tests and
# hourglass_bench against trixie's libtorch-dev, runs the unit tests, runs the
# smoke suite and compares it with suites/baselines/smoke.json, and prints a
# summary. Exit status 0 only when all of that passed.
#
#   scripts/check-libtorch2.sh [WORKDIR]      default WORKDIR: build-libtorch2
#
# Nothing is installed into the system. apt-get only reads trixie's index
# into WORKDIR (private sources.list, lists, cache, empty dpkg status) and
# downloads .deb files into WORKDIR/debs; they are unpacked with dpkg -x into
# WORKDIR/root. trixie's libraries need trixie's glibc, so the programs run
# through trixie's dynamic loader (WORKDIR/run.sh, written by this script:
# `WORKDIR/run.sh WORKDIR/build/hourglass_bench` runs any of them), with
# trixie's libraries first and the host's (bookworm's yaml-cpp, spdlog,
# Google Benchmark) after them; the executables are linked with
# -Wl,--allow-shlib-undefined for the same reason. Running it again skips the
# downloads and unpacking already done and rebuilds incrementally.
#
# Needs: the project's usual build dependencies (scripts/setup.sh --tests),
# ninja, and access to a Debian mirror (DEBIAN_MIRROR, default
# http://deb.debian.org/debian). Environment: JOBS (default nproc), NICE
# (niceness of the build, default 10), EXTRA_PACKAGES (more trixie packages
# to unpack, space separated, when a library is reported missing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "${1:-}" in
  -h|--help) sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
[[ $# -le 1 ]] || { echo "usage: scripts/check-libtorch2.sh [WORKDIR]" >&2; exit 2; }
WORK="$(realpath -m "${1:-$ROOT/build-libtorch2}")"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
JOBS="${JOBS:-$(nproc)}"
NICE="${NICE:-10}"

# libtorch-dev and libtorch2.6, and the libraries they load at run time that
# bookworm lacks or has too old (trixie's glibc and libstdc++ included). A
# fixed list: the full dependency closure would pull in Python, LLVM and ROCm.
# check_libs below fails, naming the library, if one is missing.
PACKAGES=(
  libtorch-dev libtorch2.6
  libc6 libstdc++6 libgcc-s1 libgomp1 libgfortran5 libquadmath0
  libxnnpack0.20241108 libcpp-httplib0.18 libdnnl3.6 libfmt10 libgloo0 libblas3 liblapack3
  libonnx1t64 libprotobuf32t64 libpthreadpool0 libsleef3 libtensorpipe0 libvulkan1
  libcpuinfo0 libnuma1 zlib1g libz3-4 libzstd1 libssl3t64 libuv1t64 libbrotli1 libhiredis1.1.0
  libopenmpi40 libfabric1 libucx0 libpmix2t64 libpsm2-2 libhwloc15
  libevent-core-2.1-7t64 libevent-pthreads-2.1-7t64 libibverbs1 ibverbs-providers
  librdmacm1t64 libnl-3-200 libnl-route-3-200 libmunge2 libibumad3 libibmad5
  libfuse3-4 libudev1 libcap2
)
# shellcheck disable=SC2206
PACKAGES+=(${EXTRA_PACKAGES:-})

DEBS="$WORK/debs"
SYSROOT="$WORK/root"
BUILD="$WORK/build"
LOGS="$WORK/logs"
TL="$SYSROOT/usr/lib/x86_64-linux-gnu"
LOADER="$TL/ld-linux-x86-64.so.2"
# The build dir (libhourglass_core.so), trixie's libraries (BLAS and LAPACK
# live in subdirectories that the alternatives system would link), then the
# host's.
LIBPATH="$BUILD:$TL:$TL/blas:$TL/lapack:$TL/openmpi/lib:$SYSROOT/usr/lib:/usr/lib/x86_64-linux-gnu"

say() { printf '\n== check-libtorch2: %s\n' "$*"; }
die() { printf 'check-libtorch2: error: %s\n' "$*" >&2; exit 1; }

[[ "$(dpkg --print-architecture)" == amd64 ]] || die "only amd64 is supported"
for tool in apt-get dpkg cmake ninja c++; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh --tests installs the build tools)"
done
mkdir -p "$WORK" "$DEBS" "$SYSROOT" "$LOGS" "$WORK/lists/partial" "$WORK/cache" \
         "$WORK/apt-state" "$WORK/unpacked"
start_all=$SECONDS

# ---- 1. trixie's index and the .deb files (private apt state) --------------
echo "deb $MIRROR trixie main" > "$WORK/sources.list"
: > "$WORK/dpkg-status"
APT=(apt-get
  -oDir::Etc::SourceList="$WORK/sources.list" -oDir::Etc::SourceParts=/dev/null
  -oDir::Etc::Preferences=/dev/null -oDir::Etc::PreferencesParts=/dev/null
  -oDir::State="$WORK/apt-state" -oDir::State::Lists="$WORK/lists"
  -oDir::State::status="$WORK/dpkg-status"
  -oDir::Cache="$WORK/cache" -oDir::Cache::pkgcache= -oDir::Cache::srcpkgcache=
  -oAPT::Architecture=amd64 -oAPT::Architectures=amd64)
# As root, apt would drop to _apt, which cannot write to WORKDIR.
[[ $EUID -ne 0 ]] || APT+=(-oAPT::Sandbox::User=root)

missing=()
for p in "${PACKAGES[@]}"; do
  compgen -G "$DEBS/${p}_*.deb" >/dev/null || missing+=("$p")
done
if ((${#missing[@]})); then
  updated=0
  if ! compgen -G "$WORK/lists/*_Packages*" >/dev/null; then
    say "apt-get update (trixie's index, into $WORK/lists)"
    "${APT[@]}" -q update || die "apt-get update of trixie's index failed ($MIRROR)"
    updated=1
  fi
  say "downloading ${#missing[@]} packages into $DEBS"
  if ! (cd "$DEBS" && "${APT[@]}" -q download "${missing[@]}"); then
    ((updated)) && die "apt-get download failed (a package in the list may have been renamed in trixie)"
    say "download failed: refreshing trixie's index and retrying"
    "${APT[@]}" -q update || die "apt-get update of trixie's index failed ($MIRROR)"
    (cd "$DEBS" && "${APT[@]}" -q download "${missing[@]}") ||
      die "apt-get download failed (a package in the list may have been renamed in trixie)"
  fi
else
  say "all ${#PACKAGES[@]} packages already downloaded in $DEBS"
fi

# ---- 2. unpack (dpkg -x, never dpkg -i) ------------------------------------
n=0
for deb in "$DEBS"/*.deb; do
  stamp="$WORK/unpacked/$(basename "$deb").done"
  [[ -e "$stamp" ]] && continue
  dpkg -x "$deb" "$SYSROOT"
  touch "$stamp"
  n=$((n + 1))
done
say "unpacked $n new packages into $SYSROOT"
[[ -x "$LOADER" ]] || die "trixie's loader $LOADER is missing (is libc6 in the list?)"

TORCH_PKG="$(dpkg-deb -f "$(compgen -G "$DEBS/libtorch2.6_*.deb" | tail -n 1)" Version)"
TORCH_HEADER="$(sed -n 's/^#define TORCH_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)/\2/p' \
                  "$SYSROOT/usr/include/torch/csrc/api/include/torch/version.h" | paste -sd.)"

cat > "$WORK/run.sh" <<EOF
#!/bin/sh
# Written by scripts/check-libtorch2.sh: runs a program built in $BUILD
# against trixie's LibTorch, through trixie's loader.
exec $(printf '%q' "$LOADER") --library-path $(printf '%q' "$LIBPATH") "\$@"
EOF
chmod +x "$WORK/run.sh"

# Resolves the shared libraries of each file through trixie's loader. Fails
# naming every library that is not found; with --trixie-only, also every
# library that resolves outside WORKDIR/root (a host library with the same
# name would hide a missing package). Prints the host libraries used.
check_libs() {
  local trixie_only=0 f out bad=() host=()
  if [[ "$1" == --trixie-only ]]; then trixie_only=1; shift; fi
  for f in "$@"; do
    out="$("$LOADER" --library-path "$LIBPATH" --list "$f" 2>&1)" || true
    while read -r name _ path _; do
      case "$path" in
        "$SYSROOT"/*|"$BUILD"/*) ;;
        not) bad+=("$name (loaded by $(basename "$f")): not found") ;;
        /*) if ((trixie_only)); then bad+=("$name (loaded by $(basename "$f")): from the host, $path")
            else host+=("$name"); fi ;;
      esac
    done < <(grep ' => ' <<<"$out")
    # A library that cannot be loaded at all stops the listing with this error.
    if grep -q 'error while loading shared libraries: ' <<<"$out"; then
      bad+=("$(sed -n 's/.*error while loading shared libraries: \([^:]*\): \(.*\)/\1 (loaded by '"$(basename "$f")"'): \2/p' <<<"$out" | head -n 1)")
    fi
    if grep -q 'version .* not found' <<<"$out"; then
      bad+=("$(grep -m1 'version .* not found' <<<"$out")")
    fi
  done
  if ((${#bad[@]})); then
    printf 'check-libtorch2: error: %s\n' "${bad[@]}" | sort -u -t' ' -k1,1 >&2
    die "add the trixie package that ships it to PACKAGES in this script (or EXTRA_PACKAGES=...);" \
        "https://packages.debian.org/search?searchon=contents&suite=trixie finds it"
  fi
  printf '%s\n' "${host[@]}" | sort -u | paste -sd' '
}
check_libs --trixie-only "$TL/libtorch.so" "$TL/libtorch_cpu.so" "$TL/libc10.so" >/dev/null
say "LibTorch $TORCH_HEADER (libtorch2.6 $TORCH_PKG): every library it needs resolves in $SYSROOT"

# ---- 3. configure and build -----------------------------------------------
# PRE_TEST: gtest_discover_tests would run hourglass_tests right after linking
# it, with the host's loader, which cannot load trixie's libraries. The
# sanitized tests and the fuzzer do not use LibTorch and are not built here.
say "configure $BUILD"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DTorch_DIR="$TL/cmake/Torch" -DCMAKE_PREFIX_PATH="$SYSROOT/usr" \
  -DCMAKE_EXE_LINKER_FLAGS=-Wl,--allow-shlib-undefined \
  -DCMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE=PRE_TEST \
  -DHOURGLASS_BUILD_BENCHMARKS=ON -DHOURGLASS_SANITIZED_TESTS=OFF -DHOURGLASS_BUILD_FUZZERS=OFF \
  >"$LOGS/configure.log" 2>&1 || { tail -n 30 "$LOGS/configure.log" >&2; die "configure failed ($LOGS/configure.log)"; }
caffe2_dir="$(sed -n 's/^Caffe2_DIR:PATH=//p' "$BUILD/CMakeCache.txt")"
[[ "$caffe2_dir" == "$SYSROOT"/* ]] || die "CMake found Caffe2 in $caffe2_dir, not in $SYSROOT"

say "build hourglass hourglass_tests hourglass_bench (-j$JOBS, nice $NICE; log $LOGS/build.log)"
start_build=$SECONDS
build_rc=0
nice -n "$NICE" cmake --build "$BUILD" -j "$JOBS" --target hourglass hourglass_tests hourglass_bench \
  2>&1 | tee "$LOGS/build.log" || build_rc=$?
build_s=$((SECONDS - start_build))

unit="not run"; smoke="not run"; compare="not run"; host_libs="-"; torch_run="-"; ok=1
if ((build_rc != 0)); then
  ok=0
else
  host_libs="$(check_libs "$BUILD/hourglass" "$BUILD/hourglass-torch" "$BUILD/tests/hourglass_tests" \
    "$BUILD/hourglass_bench")"

  # ---- 4. unit tests, through trixie's loader -------------------------------
  say "unit tests: hourglass_tests (log $LOGS/unit.log)"
  unit_rc=0
  rm -f "$LOGS/unit.log"
  (cd "$BUILD/tests" && "$WORK/run.sh" "$BUILD/tests/hourglass_tests") >"$LOGS/unit.log" 2>&1 || unit_rc=$?
  # GoogleTest's closing lines: "[==========] N tests from M test suites ran.",
  # "[  PASSED  ] N tests.", "[  SKIPPED ] N tests, listed below:", ...
  count() {
    local n
    n="$(sed -n "s/^\[$1\] \([0-9]*\) tests\{0,1\}\( from .* ran\)\{0,1\}[.,].*/\1/p" "$LOGS/unit.log" | tail -n 1)"
    echo "${n:-0}"
  }
  unit="$(count ==========) run: $(count '  PASSED  ') passed, $(count '  SKIPPED ') skipped,"
  unit+=" $(count '  FAILED  ') failed (exit $unit_rc)"
  if ((unit_rc != 0)); then
    ok=0
    grep -E '^\[  FAILED  \] [A-Za-z]' "$LOGS/unit.log" >&2 || tail -n 20 "$LOGS/unit.log" >&2
  else
    sed -n '/^\[==========\] [0-9]* tests\{0,1\} from .* ran/,$p' "$LOGS/unit.log"
  fi

  # ---- 5. the smoke suite against the committed baseline --------------------
  # The settings of the CI gate (gate.smoke_run in tests/CMakeLists.txt).
  say "smoke suite (log $LOGS/smoke.log), then hourglass compare suites/baselines/smoke.json"
  smoke_rc=0
  rm -rf "$WORK/smoke"
  # hourglass-torch itself: the front end `hourglass` would start it with the
  # host's loader, not trixie's.
  (cd "$ROOT" && "$WORK/run.sh" "$BUILD/hourglass-torch" run suites/smoke.yaml --jobs 2 --threads 1 \
     --quiet --overwrite --out "$WORK/smoke") >"$LOGS/smoke.log" 2>&1 || smoke_rc=$?
  smoke="exit $smoke_rc"
  if ((smoke_rc != 0)); then ok=0; tail -n 20 "$LOGS/smoke.log" >&2; fi
  if [[ -f "$WORK/smoke/results.json" ]]; then
    torch_run="$(sed -n 's/.*"libtorch": *"\([^"]*\)".*/\1/p' "$WORK/smoke/results.json" | head -n 1)"
    compare_rc=0
    (cd "$ROOT" && "$WORK/run.sh" "$BUILD/hourglass" compare suites/baselines/smoke.json \
       "$WORK/smoke/results.json") >"$LOGS/compare.log" 2>&1 || compare_rc=$?
    compare="exit $compare_rc: $(grep -v '^ *$' "$LOGS/compare.log" | tail -n 1)"
    if ((compare_rc != 0)); then ok=0; cat "$LOGS/compare.log" >&2; fi
  else
    ok=0
  fi
fi

# ---- summary ----------------------------------------------------------------
say "summary"
printf '  %-15s %s\n' \
  "LibTorch" "$TORCH_HEADER headers, Debian trixie libtorch2.6 $TORCH_PKG ($SYSROOT)" \
  "at run time" "libtorch $torch_run (environment.libtorch of the smoke results)" \
  "build" "$( ((build_rc == 0)) && echo ok || echo "FAILED (exit $build_rc, $LOGS/build.log)") in ${build_s}s (-j$JOBS)" \
  "unit tests" "$unit" \
  "smoke run" "$smoke" \
  "compare" "$compare" \
  "host libraries" "$host_libs" \
  "total time" "$((SECONDS - start_all))s" \
  "result" "$( ((ok)) && echo PASS || echo FAIL)"
((ok))

#!/usr/bin/env bash
# The package end to end, as a researcher uses it: install this build to a
# fresh prefix, configure and build examples/plugin/ against the installed
# package alone (find_package(hourglass) with CMAKE_PREFIX_PATH), run the
# example suite with the installed executable and the built plugin, and check
# that the plugin's family and learner were trained and scored on every split.
#   install_and_run_example.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$1 source=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >"$work/install.log"
for f in bin/hourglass include/hourglass/core/plugin.h include/hourglass/learners/learner.h \
         lib/cmake/hourglass/hourglassConfig.cmake share/hourglass/suites/smoke.yaml; do
  [ -e "$prefix/$f" ] || { echo "FAIL: the install lacks $f" >&2; exit 1; }
done
# Internal headers stay out of the package.
for f in include/hourglass/run/runner.h include/hourglass/suite/yaml_tree.h; do
  [ ! -e "$prefix/$f" ] || { echo "FAIL: the install has the internal header $f" >&2; exit 1; }
done

# The public headers are closed under #include: every hourglass header an
# installed header includes is installed too.
for h in $(find "$prefix/include/hourglass" -name '*.h'); do
  for inc in $(sed -n 's/^#include "\(hourglass\/[^"]*\)"/\1/p' "$h"); do
    [ -e "$prefix/include/$inc" ] || { echo "FAIL: $h includes $inc, which is not installed" >&2; exit 1; }
  done
done

# Only the installed package: the example's own CMakeLists.txt, nothing of the
# source tree but that folder.
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$source/examples/plugin" -B "$work/plugin-build" "${generator[@]}" "${launcher[@]}" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" >"$work/configure.log"
cmake --build "$work/plugin-build" >"$work/build.log"
plugin=$work/plugin-build/libhourglass_example_plugin.so
[ -f "$plugin" ] || { echo "FAIL: no $plugin" >&2; exit 1; }

# The plugin passes the harness's conformance checks (the installed helper).
"$work/plugin-build/hourglass_example_plugin_conformance" "$plugin" >"$work/conformance.txt" \
  || { cat "$work/conformance.txt" >&2; echo "FAIL: the example plugin does not conform" >&2; exit 1; }

# The installed executable lists its installed suites and the plugin's components.
"$prefix/bin/hourglass" list suites | grep -q "smoke  $prefix/share/hourglass/suites/smoke.yaml" \
  || { echo "FAIL: the installed hourglass does not list its installed suites" >&2; exit 1; }
"$prefix/bin/hourglass" list families --plugin "$plugin" >"$work/families.txt"
grep -q "^example-quadratic  \[regression\]" "$work/families.txt"
grep -q "    from: $(realpath "$plugin")" "$work/families.txt"

"$prefix/bin/hourglass" run "$source/examples/plugin/suite.yaml" --plugin "$plugin" \
  --out "$work/run" --quiet --threads 1 --format md >"$work/report.md"

python3 - "$work/run/results.json" <<'PY'
import json, math, sys
results = json.load(open(sys.argv[1]))
trials = [t for t in results["trials"] if t["task"] == "quadratic"]
agents = {t["agent"] for t in trials}
assert agents == {"polyfit-2", "ridge-linear"}, agents
splits = {"train", "test", "ood/far-x", "ood/noisy"}
for t in trials:
    assert t["status"] == "ok", t
    assert set(t["splits"]) == splits, t["splits"].keys()
    for s in t["splits"].values():
        assert math.isfinite(s["raw"]) and math.isfinite(s["normalized"]), t
# The plugin's learner fits the plugin's family: a quadratic fit of a
# quadratic with 200 samples is near the noise floor on fresh draws.
fit = [t["splits"]["test"]["normalized"] for t in trials
       if t["agent"] == "polyfit-2" and t["budget"] == 200]
assert len(fit) == 3 and min(fit) > 0.9, fit
print("ok:", len(trials), "trials; polyfit-2 test normalized at 200:", [round(x, 3) for x in fit])
PY

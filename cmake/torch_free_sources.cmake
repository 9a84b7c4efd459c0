# The LibTorch-free sources of the library, listed once. Three builds compile
# them: hourglass_core (through the static library hourglass_base, see the top
# CMakeLists.txt), the sanitized unit tests (tests/CMakeLists.txt) and the
# suite loader fuzzer (tests/fuzz/CMakeLists.txt, a separate project built with
# clang). Each build makes its own static library from these lists with
# hourglass_torch_free_library(), with its own compiler flags.
#
# Paths are relative to lib/hourglass/.

# What the suite loader needs (the fuzzer builds only these): the loader and
# the protocols' declarations (their suite keys and split names), which the
# loader receives through its context rather than from the registry.
set(HOURGLASS_LOADER_SOURCES
  core/error.cpp
  core/params.cpp
  core/sha256.cpp
  suite/loader.cpp
  suite/resolve.cpp
  suite/yaml_tree.cpp
  protocols/standard/standard_info.cpp
  protocols/transfer/transfer_info.cpp
  protocols/continual/continual_info.cpp
  protocols/deployment/deployment_info.cpp
)

# Everything else that does not use LibTorch: files, progress, metrics,
# results, reports, the protocol registry and the protocols' report hooks,
# the level-seed helpers of interactive families. A protocol's run (it
# trains) stays in hourglass_core; a new protocol's _info.cpp and _report.cpp
# go here.
set(HOURGLASS_TORCH_FREE_SOURCES
  ${HOURGLASS_LOADER_SOURCES}
  core/children.cpp
  core/fast_math.cpp
  core/files.cpp
  core/plugin.cpp
  core/progress.cpp
  core/random.cpp
  run/protocol.cpp
  protocols/builtin.cpp
  protocols/transfer/transfer_report.cpp
  protocols/continual/continual_report.cpp
  protocols/deployment/deployment_report.cpp
  tasks/interactive.cpp
  learners/external/spin_read.cpp
  learners/external/wire_header.cpp
  metrics/statistics.cpp
  metrics/sample_efficiency.cpp
  metrics/generalization.cpp
  metrics/probit_fit.cpp
  metrics/power_law.cpp
  metrics/deployment.cpp
  results/results.cpp
  results/summary.cpp
  results/compare.cpp
  results/merge.cpp
  report/report.cpp
  report/selection.cpp
  report/text_report.cpp
  report/renderer.cpp
  report/csv_renderer.cpp
  report/json_renderer.cpp
  report/svg.cpp
  report/html_renderer.cpp
  report/comparison.cpp
  report/protocol_report.cpp
)

get_filename_component(HOURGLASS_LIB_DIR ${CMAKE_CURRENT_LIST_DIR}/../lib ABSOLUTE)

# hourglass_torch_free_library(TARGET [LOADER_ONLY]): a static library of the
# sources above (LOADER_ONLY: HOURGLASS_LOADER_SOURCES), with the library's
# include directory and the libraries those sources use. The caller adds its
# own compile options (sanitizers, -fPIC).
function(hourglass_torch_free_library target)
  cmake_parse_arguments(ARG "LOADER_ONLY" "" "" ${ARGN})
  if(ARG_LOADER_ONLY)
    set(sources ${HOURGLASS_LOADER_SOURCES})
  else()
    set(sources ${HOURGLASS_TORCH_FREE_SOURCES})
  endif()
  list(TRANSFORM sources PREPEND ${HOURGLASS_LIB_DIR}/hourglass/)
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${HOURGLASS_LIB_DIR}>)
  target_link_libraries(${target} PRIVATE yaml-cpp ${CMAKE_DL_LIBS})
  # Header-only; the fuzz project finds it in /usr/include without the package.
  if(TARGET nlohmann_json::nlohmann_json)
    target_link_libraries(${target} PUBLIC nlohmann_json::nlohmann_json)
  endif()
endfunction()

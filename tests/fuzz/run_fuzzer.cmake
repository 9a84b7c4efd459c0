# Runs the suite loader fuzzer for SECONDS seconds (CTest test fuzz.suite_loader).
#   cmake -DFUZZER=... -DWORK_DIR=... -DSECONDS=45 -DSEEDS="dir;dir" -DDICT=suite.dict \
#         -P run_fuzzer.cmake
# New inputs go to WORK_DIR/corpus (kept between runs, so fuzzing resumes
# where it stopped); a crash leaves WORK_DIR/crash-* and fails the test.
file(MAKE_DIRECTORY ${WORK_DIR}/corpus)
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048
          -max_len=16384 -dict=${DICT} -print_final_stats=1 -artifact_prefix=${WORK_DIR}/
          ${WORK_DIR}/corpus ${SEEDS}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "the suite loader fuzzer found a bug (exit ${result}); "
                      "reproduce with: ${FUZZER} ${WORK_DIR}/crash-*")
endif()

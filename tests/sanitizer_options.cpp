// Default options of the sanitizers for hourglass_sanitized_tests, so that
// every way of running it (ctest, by hand, under gtest discovery) checks the
// same things: leaks, use after return, strict string checks, and any report
// aborts with a stack trace.
extern "C" const char* __asan_default_options() {
  return "detect_leaks=1:abort_on_error=1:strict_string_checks=1:"
         "detect_stack_use_after_return=1:check_initialization_order=1";
}

extern "C" const char* __ubsan_default_options() {
  return "print_stacktrace=1:halt_on_error=1";
}

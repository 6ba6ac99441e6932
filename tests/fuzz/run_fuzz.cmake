# ctest driver for a libFuzzer target (FUZZER): fuzzes a fresh copy of the seed corpus in the
# build dir, so the committed corpus never changes. Variables: FUZZER, CORPUS (committed), WORK
# (copy), FUZZ_SECONDS.
file(REMOVE_RECURSE ${WORK})
file(COPY ${CORPUS}/ DESTINATION ${WORK})
execute_process(
  COMMAND ${FUZZER} -max_total_time=${FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
          -print_final_stats=1 -artifact_prefix=${WORK}-crash- ${WORK}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  get_filename_component(name ${FUZZER} NAME)
  message(FATAL_ERROR "${name} failed (${rc}); the failing input is at ${WORK}-crash-*")
endif()

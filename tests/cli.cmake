# CLI end-to-end checks (tests/cli_checks.py).
foreach(check help run inspect bench)
  add_test(NAME cli_${check}
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/cli_checks.py
                   $<TARGET_FILE:tinyrt_cli> ${CMAKE_SOURCE_DIR} ${check})
  set_tests_properties(cli_${check} PROPERTIES LABELS cli TIMEOUT 600)
endforeach()
